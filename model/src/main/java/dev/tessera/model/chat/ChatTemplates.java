package dev.tessera.model.chat;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.Metadata;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import dev.tessera.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks a {@link ChatFormat} from a model's Jinja chat template by looking for each format's
 * marker strings (the approach of llama.cpp's llm_chat_detect_template; the template itself is
 * never executed).
 */
public final class ChatTemplates {
    public static final String GGUF_KEY = "tokenizer.chat_template";

    private ChatTemplates() {}

    /** The format a template text (or a format name such as "chatml") denotes, if recognised. */
    public static Optional<ChatFormat> detect(String template) {
        Optional<ChatFormat> named = ChatFormat.byName(template.strip());
        if (named.isPresent()) return named;
        if (has(template, "<|im_start|>")) return Optional.of(ChatFormat.CHATML);
        if (template.startsWith("mistral") || has(template, "[INST]")) {
            if (has(template, "[SYSTEM_PROMPT]")) return Optional.of(ChatFormat.MISTRAL_V7);
            if (has(template, "' [INST] ' + system_message") || has(template, "[AVAILABLE_TOOLS]")) {
                if (has(template, " [INST]")) return Optional.of(ChatFormat.MISTRAL_V1);
                if (has(template, "\"[INST]\"")) return Optional.of(ChatFormat.MISTRAL_V3_TEKKEN);
                return Optional.of(ChatFormat.MISTRAL_V3);
            }
            return Optional.of(ChatFormat.LLAMA2);
        }
        if (has(template, "<|assistant|>") && has(template, "<|end|>")) return Optional.of(ChatFormat.PHI3);
        if (has(template, "<|user|>") && (has(template, "<|assistant|>") || has(template, "<|endoftext|>"))) {
            return Optional.of(ChatFormat.ZEPHYR);
        }
        if (has(template, "<start_of_turn>")) return Optional.of(ChatFormat.GEMMA);
        if (has(template, "<|start_header_id|>") && has(template, "<|end_header_id|>")) return Optional.of(ChatFormat.LLAMA3);
        return Optional.empty();
    }

    /**
     * The format for a model: its template if recognised; with no template or an unknown one,
     * ChatML when the vocabulary has {@code <|im_start|>}; otherwise an error saying so.
     */
    public static ChatFormat choose(Optional<String> template, Tokenizer tokenizer) {
        if (template.isPresent()) {
            Optional<ChatFormat> f = detect(template.get());
            if (f.isPresent()) return f.get();
        }
        if (tokenizer.tokenId("<|im_start|>") >= 0) return ChatFormat.CHATML;
        String why = template.isPresent()
                ? "chat template not recognised (known: chatml, llama2, llama3, mistral-v1/v3/v3-tekken/v7, gemma, phi3, zephyr)"
                : "model has no chat template";
        throw new IllegalArgumentException(why + " and the vocabulary has no <|im_start|> for a ChatML fallback; pass --chat-template NAME");
    }

    /** The format for a GGUF model from {@code tokenizer.chat_template}. */
    public static ChatFormat fromGguf(Metadata md, Tokenizer tokenizer) {
        return choose(md.string(GGUF_KEY), tokenizer);
    }

    /** The format for a Hugging Face model from {@code chat_template} in its tokenizer_config.json (absent file: no template). */
    public static ChatFormat fromTokenizerConfig(Path configFile, Tokenizer tokenizer) {
        Optional<String> template = Optional.empty();
        if (Files.exists(configFile)) {
            try {
                Object t = Json.parseObject(Files.readString(configFile, StandardCharsets.UTF_8)).get("chat_template");
                // Newer configs may hold a list of named templates; the "default" one applies.
                if (t instanceof String s) template = Optional.of(s);
                else if (t instanceof List<?> list) {
                    for (Object o : list) {
                        if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) template = Optional.of(s);
                    }
                }
            } catch (IOException e) {
                throw new FormatException(configFile + ": cannot read: " + e.getMessage(), e);
            } catch (JsonException e) {
                throw new FormatException(configFile + ": invalid JSON: " + e.getMessage(), e);
            }
        }
        return choose(template, tokenizer);
    }

    private static boolean has(String s, String marker) { return s.contains(marker); }
}
