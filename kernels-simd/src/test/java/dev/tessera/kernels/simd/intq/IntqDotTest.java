package dev.tessera.kernels.simd.intq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fused kernels against the scalar reference: quant's decoder, then a plain double dot product. */
class IntqDotTest {
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"INT8_G32", "INT8_G64", "INT8_G128", "INT4_G32", "INT4_G64",
            "INT4_G128", "INT4A_G32", "INT4A_G64", "INT4A_G128"})
    void fusedDotMatchesDecodeThenDot(TensorType t) {
        Random rnd = new Random(t.ordinal());
        int rows = 5;
        int cols = 384;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * 0.05 + (i % 7 == 0 ? 0.02 : 0));
        float[] x = new float[2 * cols + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        MemorySegment q = Quantizer.quantize(t, w, cols, null);
        long rowBytes = t.bytesFor(cols);
        float[] out = new float[2 * rows];
        IntqDot.matmul(t, q, rows, cols, x, 3, 2, out, 0);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            Dequantizer.dequantizeRow(t, q, r * rowBytes, row, 0, cols);
            for (int i = 0; i < 2; i++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    ref += (double) row[c] * x[3 + i * cols + c];
                    mag += Math.abs((double) row[c] * x[3 + i * cols + c]);
                }
                assertEquals(ref, out[i * rows + r], 1e-5 * mag + 1e-6, t + " row " + r + " activation " + i);
                assertEquals(ref, IntqDot.dot(t, q, r * rowBytes, x, 3 + i * cols, cols), 1e-5 * mag + 1e-6);
            }
        }
    }
}
