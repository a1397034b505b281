package dev.tessera.model.chat;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.json.Json;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChatTemplatesTest {
    static Path shared(String rel) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "tessera.shared is not set; skipping test that needs shared test data");
        Path p = Path.of(root).resolve(rel);
        assumeTrue(Files.exists(p), "shared test data missing: " + p);
        return p;
    }

    static String configTemplate(String rel) throws Exception {
        return (String) Json.parseObject(Files.readString(shared(rel))).get("chat_template");
    }

    @Test
    void detectsRealTemplates() throws Exception {
        assertEquals(Optional.of(ChatFormat.CHATML), ChatTemplates.detect(configTemplate("test-models/vocab/qwen2.5/tokenizer_config.json")));
        assertEquals(Optional.of(ChatFormat.ZEPHYR), ChatTemplates.detect(configTemplate("test-models/vocab/tinyllama-llama2-spm/tokenizer_config.json")));
        Tokenizer tiny = Tokenizers.fromHfTokenizerJson(shared("test-models/vocab/tinyllama-llama2-spm/tokenizer.json"));
        assertEquals(ChatFormat.ZEPHYR, ChatTemplates.fromTokenizerConfig(shared("test-models/vocab/tinyllama-llama2-spm/tokenizer_config.json"), tiny));
    }

    @Test
    void detectsByMarkers() {
        assertEquals(ChatFormat.LLAMA3, ChatTemplates.detect(
                "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}").orElseThrow());
        assertEquals(ChatFormat.GEMMA, ChatTemplates.detect("{{ '<start_of_turn>' + role + '\\n' }}").orElseThrow());
        assertEquals(ChatFormat.PHI3, ChatTemplates.detect("{{'<|user|>' + '\\n' + message['content'] + '<|end|>' + '\\n' + '<|assistant|>' + '\\n'}}").orElseThrow());
        assertEquals(ChatFormat.LLAMA2, ChatTemplates.detect("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}<<SYS>>").orElseThrow());
        assertEquals(ChatFormat.MISTRAL_V7, ChatTemplates.detect("[SYSTEM_PROMPT] {{ s }}[/SYSTEM_PROMPT][INST]").orElseThrow());
        assertEquals(ChatFormat.MISTRAL_V3_TEKKEN, ChatTemplates.detect("{{ \"[INST]\" + c + \"[/INST]\" }}[AVAILABLE_TOOLS]").orElseThrow());
        assertEquals(ChatFormat.LLAMA3, ChatTemplates.detect("llama3").orElseThrow());
        assertTrue(ChatTemplates.detect("{{ messages }}").isEmpty());
    }

    @Test
    void fallbackOnlyWithImStart() {
        Tokenizer qwen = Tokenizers.fromVocabAndMerges(shared("test-models/vocab/qwen2.5"));
        assertEquals(ChatFormat.CHATML, ChatTemplates.choose(Optional.of("{{ unknown }}"), qwen));
        try (GgufFile f = GgufFile.open(shared("test-models/gguf/stories260K.gguf"))) {
            Tokenizer stories = Tokenizers.fromGguf(f.metadata());
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.fromGguf(f.metadata(), stories));
            assertTrue(none.getMessage().contains("no chat template"), none.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.choose(Optional.of("{{ x }}"), stories));
            assertTrue(unknown.getMessage().contains("not recognised"), unknown.getMessage());
        }
    }

    @Test
    void conversationFeedsOnlyNewText() {
        Conversation c = new Conversation(ChatFormat.CHATML, "");
        Conversation.Turn t1 = c.add(ChatMessage.user("Hi"));
        assertEquals(new Conversation.Turn("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", true), t1);
        c.addReply("Hello.");
        Conversation.Turn t2 = c.add(ChatMessage.user("Bye"));
        assertEquals(new Conversation.Turn("<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", false), t2);
        // Everything fed so far equals one rendering of the whole history.
        assertEquals(ChatFormat.CHATML.render(c.messages(), true, ""), t1.text() + "Hello." + t2.text());
    }

    @Test
    void conversationRestartsWhenHistoryRendersDifferently() {
        Conversation c = new Conversation(ChatFormat.LLAMA3, "");
        c.add(ChatMessage.user("Hi"));
        c.addReply("Hello.\n");  // Llama 3 trims contents, so the fed text no longer prefixes the history
        Conversation.Turn t = c.add(ChatMessage.user("Bye"));
        assertTrue(t.fromStart());
        assertEquals(ChatFormat.LLAMA3.render(c.messages(), true, ""), t.text());
    }

    @Test
    void templateTextTokenizesToSpecialIds() {
        Tokenizer qwen = Tokenizers.fromVocabAndMerges(shared("test-models/vocab/qwen2.5"));
        String p = ChatFormat.CHATML.render(java.util.List.of(ChatMessage.user("Hi")), true, "");
        int[] ids = qwen.encode(p, true, true);
        assertEquals(151644, ids[0]);
        assertEquals(qwen.eot(), ids[4]);
        assertEquals(151644, ids[6]);
    }
}
