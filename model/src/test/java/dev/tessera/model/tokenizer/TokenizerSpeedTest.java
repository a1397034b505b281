package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import org.junit.jupiter.api.Test;

/**
 * Load and encode speed of a 128k vocabulary. The bound is on this thread's CPU time, which a
 * busy shared machine inflates far less than wall time, and is loose; the printed numbers are what
 * to watch.
 */
class TokenizerSpeedTest {
    @Test
    void llama3LoadsAndEncodesQuickly() {
        var path = SharedData.require("test-models/vocab/ggml-vocab-llama-bpe.gguf");
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Tokenizer tok;
        try (GgufFile f = GgufFile.open(path)) {
            tok = Tokenizers.fromGguf(f.metadata());
        }
        long t1 = System.nanoTime();
        long c1 = mx.getCurrentThreadCpuTime();
        Tokenizer tik = Tokenizers.fromTiktoken(SharedData.require("test-models/vocab/llama3/tokenizer.model"));
        long t2 = System.nanoTime();
        long c2 = mx.getCurrentThreadCpuTime();
        String para = "The quick brown fox jumps over the lazy dog. Tokenizers split text into pieces; "
                + "numbers like 1234567 and emoji 🦙 and 日本語 and code `x += 1;` all appear.\n";
        String text = para.repeat(400);
        tok.encode(text, false, false);
        long t3 = System.nanoTime();
        int[] ids = tok.encode(text, false, false);
        long t4 = System.nanoTime();
        double mbps = text.length() / ((t4 - t3) / 1e9) / 1e6;
        System.out.printf("llama-bpe: GGUF load %.0f ms wall / %.0f ms cpu (incl. GGUF parse), tiktoken load %.0f ms wall / %.0f ms cpu,"
                        + " encode %d chars -> %d tokens in %.1f ms (%.1f MB/s)%n",
                (t1 - t0) / 1e6, (c1 - c0) / 1e6, (t2 - t1) / 1e6, (c2 - c1) / 1e6, text.length(), ids.length, (t4 - t3) / 1e6, mbps);
        assertEquals(text, tok.decode(ids));
        assertTrue(c1 - c0 < 3_000_000_000L, "GGUF vocab load took " + (c1 - c0) / 1e6 + " ms of CPU");
        assertTrue(c2 - c1 < 3_000_000_000L, "tiktoken load took " + (c2 - c1) / 1e6 + " ms of CPU");
    }
}
