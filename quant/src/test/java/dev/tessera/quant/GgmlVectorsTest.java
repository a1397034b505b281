package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Byte-exact comparison with ggml's own quantizers, run on rows with awkward cases (outliers,
 * zero and constant runs, tiny values): vectors written by {@code src/test/c/make_ggml_vectors.c}.
 * The {@code .imatrix} files check the importance-weighted paths, which no test model exercises.
 */
class GgmlVectorsTest {

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void referencePathMatchesGgml(TensorType type) {
        check(type, "ref", false);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void importancePathMatchesGgml(TensorType type) {
        check(type, "imatrix", true);
    }

    /**
     * ggml's generic CPU dot products (quantized weights · quantized activations). Same float
     * operation order for the 32-element types, so bit-exact; the K-quant kernels in ggml sum in 8
     * float lanes, so those agree to float rounding.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dotProductsMatchGgml(TensorType type) {
        ByteBuffer b = load("q" + type.name().substring(1) + ".dot");
        int trials = b.getInt(), n = b.getInt();
        TensorType act = ReferenceDot.activationType(type);
        for (int t = 0; t < trials; t++) {
            float[] x = new float[n], y = new float[n];
            for (int i = 0; i < n; i++) x[i] = b.getFloat();
            for (int i = 0; i < n; i++) y[i] = b.getFloat();
            float expected = b.getFloat();
            MemorySegment w = Quantizer.quantize(type, x, n, null);
            MemorySegment a = Quantizer.quantize(act, y, n, null);
            float actual = ReferenceDot.dot(type, w, 0, a, 0, n);
            if (type.blockLength() == 32) {
                assertEquals(expected, actual, type + " trial " + t);
            } else {
                float[] wd = new float[n], ad = new float[n];
                Dequantizer.dequantizeRow(type, w, 0, wd, 0, n);
                Dequantizer.dequantizeRow(act, a, 0, ad, 0, n);
                double magnitude = 0;
                for (int i = 0; i < n; i++) magnitude += Math.abs((double) wd[i] * ad[i]);
                assertEquals(expected, actual, 1e-6 * magnitude, type + " trial " + t);
            }
        }
    }

    private static void check(TensorType type, String suffix, boolean weighted) {
        ByteBuffer b = load("q" + type.name().substring(1) + "." + suffix);
        int rows = b.getInt(), cols = b.getInt();
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = b.getFloat();
        float[] imp = new float[cols];
        for (int i = 0; i < cols; i++) imp[i] = b.getFloat();
        byte[] expected = new byte[Math.toIntExact(type.bytesFor((long) rows * cols))];
        b.get(expected);
        MemorySegment ours = Quantizer.quantize(type, x, cols, weighted ? imp : null);
        int bb = type.blockBytes();
        for (int blk = 0; blk < expected.length / bb; blk++) {
            String want = HexFormat.of().formatHex(expected, blk * bb, (blk + 1) * bb);
            String got = HexFormat.of().formatHex(ours.asSlice((long) blk * bb, bb).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(want, got, type + " " + suffix + " block " + blk);
        }
    }

    private static ByteBuffer load(String name) {
        try (InputStream in = GgmlVectorsTest.class.getResourceAsStream("ggml/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource ggml/" + name);
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
