package dev.tessera.kernels.simd.vq;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.quant.glvq.GlvqFormat;
import dev.tessera.quant.glvq.GlvqQuantizer;
import dev.tessera.quant.pvq.PvqQuantizer;
import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every fused kernel against the reference: quant's scalar dequantize followed by a double dot. */
class VqKernelTest {
    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    /** Reference y = dequantize(W)·x and the scale Σ|w||x| per row for tolerances. */
    private static double[][] reference(float[] wq, int rows, int cols, float[] x, int xOff) {
        double[] y = new double[rows], mag = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                y[r] += (double) wq[r * cols + c] * x[xOff + c];
                mag[r] += Math.abs((double) wq[r * cols + c] * x[xOff + c]);
            }
        }
        return new double[][] {y, mag};
    }

    private static void check(VqWeight w, float[] wq, int rows, int cols, long seed) {
        int n = 3;
        float[] x = gaussian(n * cols, seed);
        float[] y = new float[rows];
        float[] yb = new float[n * rows];
        w.matVec(x, y);
        w.matMul(x, n, yb);
        double[][] ref0 = reference(wq, rows, cols, x, 0);
        for (int r = 0; r < rows; r++) assertEquals(ref0[0][r], y[r], 2e-5 * ref0[1][r] + 1e-6, w.getClass().getSimpleName() + " matVec row " + r);
        for (int i = 0; i < n; i++) {
            double[][] ref = reference(wq, rows, cols, x, i * cols);
            for (int r = 0; r < rows; r++) assertEquals(ref[0][r], yb[i * rows + r], 2e-5 * ref[1][r] + 1e-6, w.getClass().getSimpleName() + " matMul " + i + "," + r);
        }
        // Row ranges write only their rows.
        float[] part = new float[rows];
        java.util.Arrays.fill(part, Float.NaN);
        w.matVec(x, part, 1, rows - 1);
        assertTrue(Float.isNaN(part[0]) && Float.isNaN(part[rows - 1]));
        assertEquals(y[1], part[1], 0f);
    }

    @Test
    void pvqKernelsMatchReference() {
        int rows = 24, cols = 256;
        float[] w = gaussian(rows * cols, 1);
        for (int i = 0; i < w.length; i += 97) w[i] *= 12; // outliers: large pulses for the escape list
        for (boolean rotate : new boolean[] {true, false}) {
            for (int bits : new int[] {3, 4}) {
                PvqQuantizer q = new PvqQuantizer(16, 4, rotate, false, 77);
                EncodedTensor t = q.quantize(w, rows, cols, CalibrationStats.uniform(cols), bits);
                float[] wq = q.dequantize(t);
                check(new PvqIndexedWeight("w", t), wq, rows, cols, 2);
                PvqTranscodedWeight tw = new PvqTranscodedWeight("w", t);
                check(tw, wq, rows, cols, 3);
                if (bits == 4) assertTrue(tw.escapes() > 0, "the 4-bit case must exercise the escape list");
            }
        }
        // D = 8 through the index-decoding kernel
        PvqQuantizer q8 = new PvqQuantizer(8, 3, true, false, 5);
        EncodedTensor t8 = q8.quantize(w, rows, cols, CalibrationStats.uniform(cols), 3);
        check(new PvqIndexedWeight("w", t8), q8.dequantize(t8), rows, cols, 4);
        assertInstanceOf(PvqIndexedWeight.class, VqWeights.load("w", t8));
        assertInstanceOf(PvqTranscodedWeight.class, VqWeights.load("w", new PvqQuantizer(16, 4, true, false, 1)
                .quantize(w, rows, cols, CalibrationStats.uniform(cols), 3)));
    }

    @Test
    void glvqKernelsMatchReferenceForEveryWidth() {
        int rows = 12, d = 8;
        int[] bits = {1, 2, 3, 4, 5, 6, 7, 8};
        int cols = 128 * bits.length;
        SplittableRandom r = new SplittableRandom(9);
        float[] gens = new float[bits.length * d * d];
        for (int i = 0; i < gens.length; i++) gens[i] = Float.float16ToFloat(Float.floatToFloat16((float) (0.1 * r.nextGaussian())));
        GlvqFormat f = new GlvqFormat(rows, cols, d, 128, bits, gens);
        byte[] data = new byte[rows * f.rowBytes()];
        r.nextBytes(data);
        EncodedTensor t = new EncodedTensor(TensorType.GLVQ, rows, cols, f.header(), data);
        float[] wq = f.dequantize(data);
        check(new GlvqWeight("w", t), wq, rows, cols, 10);
        check(new GlvqScalarWeight("w", t), wq, rows, cols, 10);
    }

    @Test
    void glvqQuantizedTensorThroughLoader() {
        int rows = 32, cols = 256;
        float[] w = gaussian(rows * cols, 21);
        GlvqQuantizer q = new GlvqQuantizer(8, 128, 3, true);
        EncodedTensor t = q.quantize(w, rows, cols, CalibrationStats.uniform(cols), 3);
        VqWeight loaded = VqWeights.load("blk.0.attn_q.weight", t);
        assertEquals(TensorType.GLVQ, loaded.type());
        check(loaded, q.dequantize(t), rows, cols, 22);
    }

    @Test
    void loaderRejectsOtherTypes() {
        EncodedTensor t = new EncodedTensor(TensorType.Q4_K, 1, 256, java.util.Map.of(), new byte[144]);
        assertThrows(IllegalArgumentException.class, () -> VqWeights.load("x", t));
    }
}
