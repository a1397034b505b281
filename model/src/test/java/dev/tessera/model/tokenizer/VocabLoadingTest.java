package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.FormatException;
import dev.tessera.model.chat.ChatFormat;
import dev.tessera.model.chat.ChatTemplates;
import dev.tessera.model.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabularies without test vectors, llama.cpp's per-model special-token rules, and bad input. */
class VocabLoadingTest {
    @Test
    void vocabsWithoutVectorsRoundTrip() {
        for (String f : new String[] {"ggml-vocab-baichuan.gguf", "ggml-vocab-gpt-neox.gguf"}) {
            Tokenizer t = SpmTokenizerTest.gguf("test-models/vocab/" + f);
            for (String x : RoundTripTest.samples()) {
                int[] ids = t.encode(x, false, false);
                assertEquals(x, t.decode(ids), f + ": " + x);
            }
        }
    }

    @Test
    void bertVocabIsRejectedClearly() {
        FormatException e = assertThrows(FormatException.class, () -> SpmTokenizerTest.gguf("test-models/vocab/ggml-vocab-bert-bge.gguf"));
        assertTrue(e.getMessage().contains("tokenizer.ggml.model") && e.getMessage().contains("bert"), e.getMessage());
    }

    @Test
    void phi3SpecialTokensEatFollowingWhitespace() {
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/vocab/ggml-vocab-phi-3.gguf"))) {
            Tokenizer t = Tokenizers.fromGguf(f.metadata());
            int user = t.tokenId("<|user|>");
            int end = t.tokenId("<|end|>");
            assertTrue(user > 0 && end > 0);
            // llama.cpp marks Phi-3's special tokens rstrip: the newline after <|user|> is dropped,
            // and the text after a special token gets the dummy-prefix space.
            int[] hi = t.encode("Hi", false, false);
            int[] ids = t.encode("<|user|>\nHi<|end|>", false, true);
            assertEquals(user, ids[0]);
            assertArrayEquals(hi, Arrays.copyOfRange(ids, 1, ids.length - 1));
            assertEquals(end, ids[ids.length - 1]);
            assertTrue(t.isEndOfGeneration(end));
            assertEquals(end, t.eot());
            assertEquals(ChatFormat.PHI3, ChatTemplates.fromGguf(f.metadata(), t));
        }
    }

    @Test
    void truncatedTokenizerBinNamesTheToken(@TempDir Path dir) throws Exception {
        byte[] full = Files.readAllBytes(SharedData.require("test-models/llama2c/tok512.bin"));
        Path cut = dir.resolve("tok.bin");
        Files.write(cut, Arrays.copyOf(full, 100));
        FormatException e = assertThrows(FormatException.class, () -> Tokenizers.fromLlama2c(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("token"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void tekkenSplitsCaseRuns() {
        // Tekken's regex keeps an uppercase run with the lowercase run that follows it, splits digits singly.
        assertEquals(java.util.List.of("Hello", "World", " foo", "BAR", "1", "2", " ", " x"), PreTokenizer.TEKKEN.split("HelloWorld fooBAR12  x"));
    }

    @Test
    void unknownPreTokenizerIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreTokenizer.forName("no-such-pre"));
        assertTrue(e.getMessage().contains("no-such-pre"));
    }

    @Test
    void missingTokenizerInFolder(@TempDir Path dir) {
        FormatException e = assertThrows(FormatException.class, () -> Tokenizers.fromDirectory(dir));
        assertTrue(e.getMessage().contains("no tokenizer found"));
    }
}
