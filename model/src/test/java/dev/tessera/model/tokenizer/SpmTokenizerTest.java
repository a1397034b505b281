package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SentencePiece-style vocabularies from GGUF and llama2.c files against llama.cpp's and llama2.c's outputs. */
class SpmTokenizerTest {
    static Tokenizer gguf(String rel) {
        try (GgufFile f = GgufFile.open(SharedData.require(rel))) {
            return Tokenizers.fromGguf(f.metadata());
        }
    }

    static void assertVectors(Tokenizer tok, String name) {
        Path dir = SharedData.require("test-models/vocab");
        VocabVectors v = VocabVectors.read(dir.resolve(name + ".gguf.inp"), dir.resolve(name + ".gguf.out"));
        assertEquals(46, v.inputs().size(), name + ": test strings");
        List<String> bad = v.mismatches(tok);
        assertTrue(bad.isEmpty(), name + ": " + bad.size() + "/" + v.inputs().size() + " mismatches:\n" + String.join("\n", bad));
    }

    @Test
    void llamaSpmGgufMatchesLlamaCpp() { assertVectors(gguf("test-models/vocab/ggml-vocab-llama-spm.gguf"), "ggml-vocab-llama-spm"); }

    @Test
    void phi3GgufMatchesLlamaCpp() { assertVectors(gguf("test-models/vocab/ggml-vocab-phi-3.gguf"), "ggml-vocab-phi-3"); }

    @Test
    void llama2cTokenizerBinMatchesLlamaSpm() {
        // tokenizer.bin holds the same Llama-2 vocabulary as ggml-vocab-llama-spm.gguf.
        assertVectors(Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/tokenizer.bin")), "ggml-vocab-llama-spm");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> tok512Cases() throws Exception {
        Map<String, Object> ref = Json.parseObject(Files.readString(SharedData.require("test-models/stories260K-reference.json")));
        return (List<Map<String, Object>>) ((Map<String, Object>) ref.get("tok512_encode_examples")).get("cases");
    }

    static int[] ids(Object list) { return ((List<?>) list).stream().mapToInt(o -> ((Long) o).intValue()).toArray(); }

    @Test
    void tok512ExamplesFromBinAndGguf() throws Exception {
        Tokenizer bin = Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/tok512.bin"));
        Tokenizer gg = gguf("test-models/gguf/stories260K.gguf");
        for (Map<String, Object> c : tok512Cases()) {
            String text = (String) c.get("text");
            int[] want = ids(c.get("ids"));
            assertArrayEquals(want, bin.encode(text, false, false), "tok512.bin: " + text);
            assertArrayEquals(want, gg.encode(text, false, false), "stories260K.gguf: " + text);
            assertEquals(text, bin.decode(want));
            assertEquals(text, gg.decode(want));
        }
    }

    @Test
    void ggufFlagsAndSpecials() {
        Tokenizer t = gguf("test-models/gguf/stories260K.gguf");
        assertEquals(512, t.vocabSize());
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
        assertTrue(t.addBos());
        assertFalse(t.addEos());
        assertTrue(t.isControl(1));
        assertFalse(t.isControl(403));
        assertTrue(t.isEndOfGeneration(2));
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, t.encode("Once upon a time", true, false));
        assertEquals("\n", t.piece(13));
        assertArrayEquals(new byte[] {(byte) 0xE6}, t.pieceBytes(0xE6 + 3));
    }

    @Test
    void prefixSpaceAfterSpecialToken() {
        Tokenizer t = gguf("test-models/vocab/ggml-vocab-llama-spm.gguf");
        // "<s>" parsed as a token; the text after it gets the dummy-prefix space again.
        assertArrayEquals(new int[] {1, 15043}, t.encode("<s>Hello", false, true));
        assertArrayEquals(new int[] {1, 15043, 1, 15043}, t.encode("Hello<s>Hello", true, true));
        // Without parseSpecial, "<s>" is ordinary text.
        assertNotEquals(1, t.encode("<s>", false, false)[0]);
    }
}
