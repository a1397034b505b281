package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;

/**
 * Load and encode speed of a 128k vocabulary. Bounds are loose (the CI machine is shared); the
 * printed numbers are what to watch.
 */
class TokenizerSpeedTest {
    @Test
    void llama3LoadsAndEncodesQuickly() {
        var path = SharedData.require("test-models/vocab/ggml-vocab-llama-bpe.gguf");
        long t0 = System.nanoTime();
        Tokenizer tok;
        try (GgufFile f = GgufFile.open(path)) {
            tok = Tokenizers.fromGguf(f.metadata());
        }
        long t1 = System.nanoTime();
        Tokenizer tik = Tokenizers.fromTiktoken(SharedData.require("test-models/vocab/llama3/tokenizer.model"));
        long t2 = System.nanoTime();
        String para = "The quick brown fox jumps over the lazy dog. Tokenizers split text into pieces; "
                + "numbers like 1234567 and emoji 🦙 and 日本語 and code `x += 1;` all appear.\n";
        String text = para.repeat(400);
        tok.encode(text, false, false);
        long t3 = System.nanoTime();
        int[] ids = tok.encode(text, false, false);
        long t4 = System.nanoTime();
        double mbps = text.length() / ((t4 - t3) / 1e9) / 1e6;
        System.out.printf("llama-bpe: GGUF load %.0f ms (incl. GGUF parse), tiktoken load %.0f ms, encode %d chars -> %d tokens in %.1f ms (%.1f MB/s)%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, text.length(), ids.length, (t4 - t3) / 1e6, mbps);
        assertEquals(text, tok.decode(ids));
        assertTrue(t1 - t0 < 5_000_000_000L, "GGUF vocab load took " + (t1 - t0) / 1e6 + " ms");
        assertTrue(t2 - t1 < 5_000_000_000L, "tiktoken load took " + (t2 - t1) / 1e6 + " ms");
    }
}
