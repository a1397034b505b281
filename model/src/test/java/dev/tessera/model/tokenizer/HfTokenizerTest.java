package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tokenizers from Hugging Face and tiktoken files against llama.cpp's vectors for the same vocabularies. */
class HfTokenizerTest {
    static Tokenizer llama3() { return Tokenizers.fromTiktoken(SharedData.require("test-models/vocab/llama3/tokenizer.model")); }

    static Tokenizer qwen() { return Tokenizers.fromVocabAndMerges(SharedData.require("test-models/vocab/qwen2.5")); }

    @Test
    void llama3TiktokenMatchesLlamaBpe() {
        Tokenizer t = llama3();
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-llama-bpe");
        assertEquals(128256, t.vocabSize());
        assertEquals(128000, t.bos());
        assertEquals(128009, t.eot());
        assertTrue(t.isEndOfGeneration(128009));
        assertTrue(t.isEndOfGeneration(128001));
        assertTrue(t.addBos());
        assertArrayEquals(new int[] {128000, 128006, 882, 128007, 271, 9906, 128009},
                t.encode("<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>", true, true));
    }

    @Test
    void llama3TiktokenEqualsLlama3Gguf() {
        Tokenizer a = llama3();
        Tokenizer b = SpmTokenizerTest.gguf("test-models/vocab/ggml-vocab-llama-bpe.gguf");
        assertEquals(a.vocabSize(), b.vocabSize());
        String text = "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～ <|eot_id|> 3333 \t\n\n  x";
        assertArrayEquals(b.encode(text, true, true), a.encode(text, true, true));
        assertArrayEquals(b.encode(text, false, false), a.encode(text, false, false));
    }

    @Test
    void qwenVocabMergesMatchesQwen2() {
        Tokenizer t = qwen();
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-qwen2");
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-deepseek-r1-qwen");
        assertEquals(151645, t.eos());
        assertEquals(-1, t.bos());
        assertFalse(t.addBos());
        assertTrue(t.isEndOfGeneration(151645));
        assertTrue(t.isEndOfGeneration(151643));
        assertArrayEquals(new int[] {151644, 872, 198, 9707, 151645}, t.encode("<|im_start|>user\nHello<|im_end|>", true, true));
    }

    @Test
    void qwenAppliesNfc() {
        Tokenizer t = qwen();
        // "é" as e + combining acute must tokenize like the precomposed character.
        assertArrayEquals(t.encode("caf\u00e9", false, false), t.encode("cafe\u0301", false, false));
    }

    @Test
    void tinyllamaTokenizerJsonMatchesLlamaSpm() {
        Tokenizer t = Tokenizers.fromHfTokenizerJson(SharedData.require("test-models/vocab/tinyllama-llama2-spm/tokenizer.json"));
        assertEquals(Tokenizer.Style.SPM, t.style());
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-llama-spm");
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
    }

    @Test
    void storiesTokenizerJsonEqualsGgufTok512() throws Exception {
        Tokenizer hf = Tokenizers.fromDirectory(SharedData.require("test-models/safetensors/stories260K-hf-f32"));
        Tokenizer gg = SpmTokenizerTest.gguf("test-models/gguf/stories260K.gguf");
        assertEquals(gg.vocabSize(), hf.vocabSize());
        assertTrue(hf.addBos());
        for (Map<String, Object> c : SpmTokenizerTest.tok512Cases()) {
            String text = (String) c.get("text");
            assertArrayEquals(SpmTokenizerTest.ids(c.get("ids")), hf.encode(text, false, false), text);
        }
        for (String s : VocabVectors.read(SharedData.require("test-models/vocab/ggml-vocab-llama-spm.gguf.inp"),
                SharedData.require("test-models/vocab/ggml-vocab-llama-spm.gguf.out")).inputs()) {
            assertArrayEquals(gg.encode(s, true, false), hf.encode(s, true, false), s);
        }
    }
}
