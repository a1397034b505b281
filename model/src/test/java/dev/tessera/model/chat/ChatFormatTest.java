package dev.tessera.model.chat;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each format against the prompt layout its publisher documents, written out by hand. */
class ChatFormatTest {
    static final List<ChatMessage> CHAT = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("2+2?"));

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
                ChatFormat.CHATML.render(CHAT, true, "</s>"));
    }

    @Test
    void llama2() {
        // Meta llama generation.py: [INST] <<SYS>>\n{sys}\n<</SYS>>\n\n{user} [/INST] {answer} </s><s>[INST] ...
        assertEquals("[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] 2+2? [/INST]",
                ChatFormat.LLAMA2.render(CHAT, true, "</s>"));
    }

    @Test
    void llama3() {
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatFormat.LLAMA3.render(CHAT, true, "<|end_of_text|>"));
    }

    @Test
    void mistral() {
        List<ChatMessage> c = CHAT.subList(1, 4);
        // Mistral cookbook: v1 " [INST] u [/INST] a</s> [INST] ...", v3 "[INST] u[/INST] a</s>[INST] ...", tekken "[INST]u[/INST]a</s>".
        assertEquals(" [INST] Hi [/INST] Hello.</s> [INST] 2+2? [/INST]", ChatFormat.MISTRAL_V1.render(c, true, "</s>"));
        assertEquals("[INST] Hi[/INST] Hello.</s>[INST] 2+2?[/INST]", ChatFormat.MISTRAL_V3.render(c, true, "</s>"));
        assertEquals("[INST]Hi[/INST]Hello.</s>[INST]2+2?[/INST]", ChatFormat.MISTRAL_V3_TEKKEN.render(c, true, "</s>"));
        assertEquals("[SYSTEM_PROMPT] You are terse.[/SYSTEM_PROMPT][INST] Hi[/INST] Hello.</s>[INST] 2+2?[/INST]",
                ChatFormat.MISTRAL_V7.render(CHAT, true, "</s>"));
    }

    @Test
    void gemma() {
        // Gemma has no system turn: the system text opens the first user turn.
        assertEquals("<start_of_turn>user\nYou are terse.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
                        + "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n",
                ChatFormat.GEMMA.render(CHAT, true, "<eos>"));
    }

    @Test
    void phi3() {
        assertEquals("<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\n2+2?<|end|>\n<|assistant|>\n",
                ChatFormat.PHI3.render(CHAT, true, "<|endoftext|>"));
    }

    @Test
    void zephyr() {
        assertEquals("<|system|>\nYou are terse.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\n2+2?</s>\n<|assistant|>\n",
                ChatFormat.ZEPHYR.render(CHAT, true, "</s>"));
    }

    @Test
    void withoutGenerationPrompt() {
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", ChatFormat.CHATML.render(List.of(ChatMessage.user("Hi")), false, ""));
        assertEquals("<start_of_turn>user\nHi<end_of_turn>\n", ChatFormat.GEMMA.render(List.of(ChatMessage.user("Hi")), false, ""));
    }
}
