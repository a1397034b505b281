package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** decode(encode(x)) == x, and streaming decode equals whole decode with UTF-8 split across tokens. */
class RoundTripTest {
    static List<String> samples() {
        List<String> s = new ArrayList<>(VocabVectors.read(SharedData.require("test-models/vocab/ggml-vocab-gpt-2.gguf.inp"),
                SharedData.require("test-models/vocab/ggml-vocab-gpt-2.gguf.out")).inputs());
        s.add("naïve café — 日本 🦙 \u00a0nbsp\u2003em-space 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e\u0301");
        return s;
    }

    static void check(String name, Supplier<Tokenizer> make) {
        Tokenizer t = make.get();
        for (String x : samples()) {
            int[] ids = t.encode(x, true, false);
            assertEquals(x, t.decode(ids), name + ": " + x);
            StreamingDecoder d = t.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(d.push(id));
            sb.append(d.flush());
            assertEquals(x, sb.toString(), name + " streaming: " + x);
        }
    }

    @Test
    void spmGguf() { check("llama-spm", () -> SpmTokenizerTest.gguf("test-models/vocab/ggml-vocab-llama-spm.gguf")); }

    @Test
    void tok512Bin() { check("tok512", () -> Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/tok512.bin"))); }

    @Test
    void gpt2Gguf() { check("gpt-2", () -> SpmTokenizerTest.gguf("test-models/vocab/ggml-vocab-gpt-2.gguf")); }

    @Test
    void llama3() { check("llama3", HfTokenizerTest::llama3); }

    @Test
    void tinyllamaJson() {
        check("tinyllama", () -> Tokenizers.fromHfTokenizerJson(SharedData.require("test-models/vocab/tinyllama-llama2-spm/tokenizer.json")));
    }

    @Test
    void streamingHoldsIncompleteUtf8() {
        Tokenizer t = Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/tok512.bin"));
        // tok512 has no token for the llama emoji: it is spelled as four byte tokens F0 9F A6 99.
        int[] ids = t.encode("🦙", false, false);
        assertArrayEquals(new int[] {410, 0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3}, ids);
        StreamingDecoder d = t.streamingDecoder();
        assertEquals(" ", d.push(ids[0]));
        assertEquals("", d.push(ids[1]));
        assertEquals("", d.push(ids[2]));
        assertEquals("", d.push(ids[3]));
        assertEquals("🦙", d.push(ids[4]));
        // After BOS the dummy-prefix space is dropped; control tokens print nothing.
        d = t.streamingDecoder();
        assertEquals("", d.push(1));
        assertEquals("Once", d.push(403));
        assertEquals("", d.push(2));
        // A cut-off character surfaces as U+FFFD on flush.
        d = t.streamingDecoder();
        d.push(0xE6 + 3);
        assertEquals("\uFFFD", d.flush());
    }

    @Test
    void qwenStreamingSplitsCjkBytes() {
        Tokenizer t = HfTokenizerTest.qwen();
        String x = "我想在apple工作1314151天～ 🦙🦙";
        int[] ids = t.encode(x, false, false);
        StreamingDecoder d = t.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = d.push(id);
            assertFalse(part.contains("\uFFFD"), "partial character emitted");
            sb.append(part);
        }
        assertEquals(x, sb.toString());
        assertEquals(x, t.decode(ids));
    }
}
