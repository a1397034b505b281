package dev.tessera.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.testing.SharedData;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Llama2cCheckpointTest {
    /** llama2.c weight name → llama.cpp's GGUF name for the same tensor (layer-local part). */
    private static final Map<String, String> TO_GGUF = Map.of(
            "rms_att", "attn_norm", "wq", "attn_q", "wk", "attn_k", "wv", "attn_v", "wo", "attn_output",
            "rms_ffn", "ffn_norm", "w1", "ffn_gate", "w2", "ffn_down", "w3", "ffn_up");

    private static void assertSameBytes(Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), actual.name());
        assertEquals(-1L, expected.data().mismatch(actual.data()), actual.name() + " bytes differ");
    }

    /** Every weight equals the tensor llama.cpp's converter wrote into the GGUF (an independent reader path). */
    private static void assertMatchesGguf(Llama2cCheckpoint ck, GgufFile g) {
        assertSameBytes(g.tensor("token_embd.weight"), ck.tokenEmbedding());
        assertSameBytes(g.tensor("output_norm.weight"), ck.tensor("rms_final"));
        for (int l = 0; l < ck.config().nLayers(); l++) {
            for (Map.Entry<String, String> e : TO_GGUF.entrySet()) {
                assertSameBytes(g.tensor("blk." + l + "." + e.getValue() + ".weight"), ck.layer(l, e.getKey()));
            }
        }
    }

    @Test
    void legacyStories260KMatchesItsGguf() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.testModel("llama2c/stories260K.bin"));
             GgufFile g = GgufFile.open(SharedData.testModel("gguf/stories260K.gguf"))) {
            Llama2cConfig c = ck.config();
            assertEquals(new Llama2cConfig(0, 64, 172, 5, 8, 4, 512, 512, true, 0), c);
            assertEquals(8, c.headSize());
            assertEquals(32, c.kvDim());
            assertEquals(1 + 9 * 5 + 1 + 2, ck.tensors().size());
            assertEquals(Shape.of(32, 64), ck.layer(0, "wk").shape());
            assertEquals(Shape.of(64, 172), ck.layer(4, "w2").shape());
            assertEquals(Shape.of(512, 4), ck.tensor("freq_cis_real").shape());
            assertSame(ck.tokenEmbedding(), ck.classifier());
            assertFalse(ck.hasTensor("wcls"));
            assertTrue(ck.tokenEmbedding().data().isMapped());
            assertEquals(28, ck.offset("token_embedding"));
            assertEquals(28 + 4 * (512 * 64 + 5 * 64), ck.offset("layers.0.wq"));
            assertMatchesGguf(ck, g);
            assertSameBytes(g.tensor("output.weight"), ck.classifier());
        }
    }

    @Test
    void version1EqualsLegacy() {
        try (Llama2cCheckpoint v0 = Llama2cCheckpoint.open(SharedData.testModel("llama2c/stories260K.bin"));
             Llama2cCheckpoint v1 = Llama2cCheckpoint.open(SharedData.testModel("llama2c/stories260K_v1.bin"))) {
            assertEquals(new Llama2cConfig(1, 64, 172, 5, 8, 4, 512, 512, true, 0), v1.config());
            assertEquals(v0.tensors().size() - 2, v1.tensors().size(), "v1 has no freq_cis tables");
            assertEquals(256, v1.offset("layers.0.rms_att"));
            assertEquals(256 + 4 * (2 * 5 * 64 + 64), v1.offset("token_embedding"));
            for (Tensor t : v1.tensors()) assertSameBytes(v0.tensor(t.name()), t);
        }
    }

    @Test
    void distill3MMatchesItsGguf() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.testModel("llama2c/distill3M.bin"));
             GgufFile g = GgufFile.open(SharedData.testModel("gguf/distill3M.gguf"))) {
            assertEquals(new Llama2cConfig(0, 256, 768, 4, 8, 4, 512, 256, true, 0), ck.config());
            assertMatchesGguf(ck, g);
        }
    }

    @Test
    void aidreamsHeader() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.testModel("llama2c/aidreams260K.bin"))) {
            assertEquals(new Llama2cConfig(0, 64, 172, 4, 4, 4, 512, 128, true, 0), ck.config());
        }
    }

    // ---- synthetic files ----

    private static final int[] TINY = {8, 12, 2, 2, 1, 10, 4}; // dim, hidden, layers, heads, kv heads, vocab, seq

    /** Floats a tiny legacy or v1 model takes (without a separate classifier). */
    private static int tinyFloats(boolean legacy) {
        int dim = 8, hidden = 12, layers = 2, kv = 4, vocab = 10, seq = 4, head = 4;
        int perLayer = dim + dim * dim + 2 * kv * dim + dim * dim + dim + 3 * hidden * dim;
        return vocab * dim + layers * perLayer + dim + (legacy ? seq * head : 0);
    }

    private static ByteBuffer le(int bytes) { return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN); }

    @Test
    void legacyNegativeVocabMeansSeparateClassifier() {
        int n = tinyFloats(true) + 10 * 8;
        ByteBuffer b = le(28 + 4 * n);
        for (int i = 0; i < 7; i++) b.putInt(i == 5 ? -TINY[i] : TINY[i]);
        for (int i = 0; i < n; i++) b.putFloat(i);
        Llama2cCheckpoint ck = Llama2cCheckpoint.of(Path.of("tiny.bin"), MemorySegment.ofArray(b.array()));
        assertFalse(ck.config().sharedClassifier());
        assertEquals(10, ck.config().vocabSize());
        Tensor wcls = ck.classifier();
        assertEquals("wcls", wcls.name());
        assertEquals(Shape.of(10, 8), wcls.shape());
        assertEquals((float) (n - 80), wcls.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        // the float after the embedding (80 floats) is layer 0's rms_att
        assertEquals(80f, ck.layer(0, "rms_att").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
    }

    /** A v2 (Q8_0) image written from runq.c's memory layout: norms, then per matrix int8 values then scales. */
    @Test
    void version2Q80() {
        int gs = 4, dim = 8, hidden = 12, layers = 2, kv = 4, vocab = 10;
        long[][] mats = {{vocab, dim}, {dim, dim}, {dim, dim}, {kv, dim}, {kv, dim}, {kv, dim}, {kv, dim}, {dim, dim}, {dim, dim},
                {hidden, dim}, {hidden, dim}, {dim, hidden}, {dim, hidden}, {hidden, dim}, {hidden, dim}};
        int norms = 2 * layers * dim + dim;
        int bytes = 256 + 4 * norms;
        for (long[] m : mats) bytes += (int) (m[0] * m[1] + 4 * m[0] * m[1] / gs);
        ByteBuffer b = le(bytes);
        b.putInt(Llama2cCheckpoint.MAGIC).putInt(2);
        for (int v : TINY) b.putInt(v);
        b.put((byte) 1).putInt(gs);
        b.position(256);
        for (int i = 0; i < norms; i++) b.putFloat(1000 + i);
        int k = 0;
        for (long[] m : mats) {
            for (int i = 0; i < m[0] * m[1]; i++) b.put((byte) (k + i));
            for (int i = 0; i < m[0] * m[1] / gs; i++) b.putFloat(k + 0.5f * i);
            k++;
        }
        Llama2cCheckpoint ck = Llama2cCheckpoint.of(Path.of("q8.bin"), MemorySegment.ofArray(b.array()));
        assertEquals(2, ck.config().version());
        assertEquals(4, ck.config().groupSize());
        assertEquals(TensorType.I8, ck.tokenEmbedding().type());
        assertEquals(Shape.of(20), ck.tensor("token_embedding.scales").shape());
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1000f, ck.layer(0, "rms_att").data().get(f, 0));
        assertEquals(1000f + 2 * dim, ck.layer(0, "rms_ffn").data().get(f, 0));
        assertEquals(1000f + 4 * dim, ck.tensor("rms_final").data().get(f, 0));
        // matrix order: embedding, wq(l0,l1), wk(l0,l1)... so layer 1's wk is the 5th matrix (k = 4)
        assertEquals(4, ck.layer(1, "wk").data().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(4.5f, ck.tensor("layers.1.wk.scales").data().get(f, 4));
        assertEquals(Shape.of(8, 12), ck.layer(1, "w2").shape());
        assertEquals(TensorType.F32, ck.layer(1, "rms_att").type());
    }

    @Test
    void truncatedFileNamesTheSizes() {
        int n = tinyFloats(true);
        ByteBuffer b = le(28 + 4 * n - 4);
        for (int v : TINY) b.putInt(v);
        FormatException e = assertThrows(FormatException.class,
                () -> Llama2cCheckpoint.of(Path.of("cut.bin"), MemorySegment.ofArray(b.array())));
        assertTrue(e.getMessage().startsWith("cut.bin: "), e.getMessage());
        assertTrue(e.getMessage().contains("freq_cis_imag"), e.getMessage());
    }

    @Test
    void extraBytesAreRejected() {
        int n = tinyFloats(true);
        ByteBuffer b = le(28 + 4 * n + 4);
        for (int v : TINY) b.putInt(v);
        FormatException e = assertThrows(FormatException.class,
                () -> Llama2cCheckpoint.of(Path.of("long.bin"), MemorySegment.ofArray(b.array())));
        assertTrue(e.getMessage().contains("file size"), e.getMessage());
    }

    @Test
    void zeroDimensionIsRejected() {
        ByteBuffer b = le(256);
        for (int i = 0; i < 7; i++) b.putInt(i == 2 ? 0 : TINY[i]);
        FormatException e = assertThrows(FormatException.class,
                () -> Llama2cCheckpoint.of(Path.of("z.bin"), MemorySegment.ofArray(b.array())));
        assertEquals("z.bin: n_layers: expected a value in 1..16777216, found 0 (not a llama2.c checkpoint?)", e.getMessage());
    }

    @Test
    void unsupportedVersionIsRejected() {
        ByteBuffer b = le(256);
        b.putInt(Llama2cCheckpoint.MAGIC).putInt(3);
        FormatException e = assertThrows(FormatException.class,
                () -> Llama2cCheckpoint.of(Path.of("v3.bin"), MemorySegment.ofArray(b.array())));
        assertEquals("v3.bin: version: expected 1 or 2, found 3", e.getMessage());
    }

    @Test
    void headsMustDivide() {
        ByteBuffer b = le(256);
        for (int i = 0; i < 7; i++) b.putInt(i == 3 ? 3 : TINY[i]);
        FormatException e = assertThrows(FormatException.class,
                () -> Llama2cCheckpoint.of(Path.of("h.bin"), MemorySegment.ofArray(b.array())));
        assertTrue(e.getMessage().startsWith("h.bin: n_heads: "), e.getMessage());
    }
}
