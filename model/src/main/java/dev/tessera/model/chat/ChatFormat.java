package dev.tessera.model.chat;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The prompt formats the runtime renders itself (no Jinja): each turns a message list into prompt
 * text, optionally ending with the header that asks the model for the assistant's reply. BOS is
 * not included at the start; the tokenizer adds it per the model's flags. Special-token texts in
 * the result are meant to be encoded with {@code parseSpecial}.
 */
public enum ChatFormat {
    /** ChatML (Qwen, many fine-tunes): {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    CHATML("chatml") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            for (ChatMessage m : msgs) sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
            if (gen) sb.append("<|im_start|>assistant\n");
        }
    },
    /**
     * Llama 2 chat (Meta's reference chat_completion): {@code [INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] answer </s><s>[INST] ...},
     * contents stripped. There is no generation header: the model answers after {@code [/INST]}.
     */
    LLAMA2("llama2") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            String system = null;
            boolean first = true;
            for (ChatMessage m : msgs) {
                switch (m.role()) {
                    case "system" -> system = m.content().strip();
                    case "assistant" -> sb.append(' ').append(m.content().strip()).append(" </s>");
                    default -> {
                        sb.append(first ? "[INST] " : "<s>[INST] ");
                        if (system != null) {
                            sb.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                            system = null;
                        }
                        sb.append(m.content().strip()).append(" [/INST]");
                        first = false;
                    }
                }
            }
        }
    },
    /** Llama 3 / 3.1: {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>}, contents trimmed. */
    LLAMA3("llama3") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            for (ChatMessage m : msgs) {
                sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n").append(m.content().strip()).append("<|eot_id|>");
            }
            if (gen) sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
    },
    /** Mistral v1 (Mistral 7B Instruct v0.1): {@code  [INST] user [/INST] answer</s>}. */
    MISTRAL_V1("mistral-v1") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) { mistral(msgs, " ", " ", false, sb); }
    },
    /** Mistral v3 (v0.3, Mixtral): {@code [INST] user[/INST] answer</s>}, answers trimmed. */
    MISTRAL_V3("mistral-v3") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) { mistral(msgs, "", " ", true, sb); }
    },
    /** Mistral v3 with the Tekken tokenizer (Nemo): {@code [INST]user[/INST]answer</s>}. */
    MISTRAL_V3_TEKKEN("mistral-v3-tekken") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) { mistral(msgs, "", "", false, sb); }
    },
    /** Mistral v7: {@code [SYSTEM_PROMPT] sys[/SYSTEM_PROMPT][INST] user[/INST] answer</s>}. */
    MISTRAL_V7("mistral-v7") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            for (ChatMessage m : msgs) {
                switch (m.role()) {
                    case "system" -> sb.append("[SYSTEM_PROMPT] ").append(m.content()).append("[/SYSTEM_PROMPT]");
                    case "user" -> sb.append("[INST] ").append(m.content()).append("[/INST]");
                    default -> sb.append(' ').append(m.content()).append("</s>");
                }
            }
        }
    },
    /**
     * Gemma: {@code <start_of_turn>user\ncontent<end_of_turn>\n}, the assistant is "model", contents
     * trimmed. Gemma has no system role; a system message is prepended to the next user turn.
     */
    GEMMA("gemma") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            String system = "";
            for (ChatMessage m : msgs) {
                if (m.role().equals("system")) {
                    system = m.content().strip();
                    continue;
                }
                String role = m.role().equals("assistant") ? "model" : m.role();
                sb.append("<start_of_turn>").append(role).append('\n');
                if (!system.isEmpty() && !role.equals("model")) {
                    sb.append(system).append("\n\n");
                    system = "";
                }
                sb.append(m.content().strip()).append("<end_of_turn>\n");
            }
            if (gen) sb.append("<start_of_turn>model\n");
        }
    },
    /** Phi-3: {@code <|role|>\ncontent<|end|>\n}. */
    PHI3("phi3") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            for (ChatMessage m : msgs) sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
            if (gen) sb.append("<|assistant|>\n");
        }
    },
    /**
     * Zephyr (and TinyLlama chat): {@code <|role|>\ncontent<eos>\n}; the end marker is the model's
     * EOS text ({@code </s>} for Zephyr and TinyLlama, {@code <|endoftext|>} for StableLM-Zephyr).
     */
    ZEPHYR("zephyr") {
        @Override
        void render(List<ChatMessage> msgs, boolean gen, String eos, StringBuilder sb) {
            for (ChatMessage m : msgs) sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append(eos).append('\n');
            if (gen) sb.append("<|assistant|>\n");
        }
    };

    private final String id;

    ChatFormat(String id) { this.id = id; }

    /** The short name used on the command line ("chatml", "llama3", ...). */
    public String id() { return id; }

    abstract void render(List<ChatMessage> msgs, boolean addGenerationPrompt, String eos, StringBuilder sb);

    /**
     * Renders the whole conversation. {@code endOfText} is the turn-end text for {@link #ZEPHYR}
     * (the model's EOS token text); the other formats ignore it.
     */
    public String render(List<ChatMessage> msgs, boolean addGenerationPrompt, String endOfText) {
        StringBuilder sb = new StringBuilder();
        render(msgs, addGenerationPrompt, endOfText, sb);
        return sb.toString();
    }

    public static Optional<ChatFormat> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (ChatFormat f : values()) if (f.id.equals(n)) return Optional.of(f);
        return switch (n) {
            case "mistral" -> Optional.of(MISTRAL_V3);
            case "llama-2", "llama2-sys" -> Optional.of(LLAMA2);
            case "llama-3" -> Optional.of(LLAMA3);
            case "phi-3" -> Optional.of(PHI3);
            case "qwen", "qwen2" -> Optional.of(CHATML);
            default -> Optional.empty();
        };
    }

    private static void mistral(List<ChatMessage> msgs, String lead, String trail, boolean trimAnswers, StringBuilder sb) {
        boolean inTurn = false;
        for (ChatMessage m : msgs) {
            if (!inTurn) {
                sb.append(lead).append("[INST]").append(trail);
                inTurn = true;
            }
            switch (m.role()) {
                case "system" -> sb.append(m.content()).append("\n\n");
                case "user" -> sb.append(m.content()).append(lead).append("[/INST]");
                default -> {
                    sb.append(trail).append(trimAnswers ? m.content().strip() : m.content()).append("</s>");
                    inTurn = false;
                }
            }
        }
    }
}
