package dev.tessera.quant.pvq;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PvqQuantizerTest {
    static float[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[count];
        for (int i = 0; i < count; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    static double snrDb(float[] w, float[] q) {
        double s = 0, e = 0;
        for (int i = 0; i < w.length; i++) {
            s += (double) w[i] * w[i];
            e += (double) (w[i] - q[i]) * (w[i] - q[i]);
        }
        return 10 * Math.log10(s / e);
    }

    /** tr(ΔW diag(h) ΔWᵀ). */
    static double weightedError(float[] w, float[] q, int cols, double[] h) {
        double e = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - q[i];
            e += d * d * h[i % cols];
        }
        return e;
    }

    @Test
    void pulsesForTargetBits() {
        PvqQuantizer q = PvqQuantizer.defaults();
        // 3 bpw: 48 bits per group of 16, 4 for the gain: index ≤ 44 bits.
        int k3 = q.pulsesFor(3);
        assertTrue(PyramidCount.indexBits(new PyramidCount(16, k3).count(16, k3)) <= 44);
        assertTrue(PyramidCount.indexBits(new PyramidCount(16, k3 + 1).count(16, k3 + 1)) > 44);
        assertEquals(22, k3); // spec B.6: D=16, K=22, b_a=4 is the 3.0-bpw configuration
    }

    /** Spec B.6 table: i.i.d. Gaussian rows, n = 4096, D=16, 4-bit gains (±0.3 dB). */
    @Test
    void gaussianRowsMatchSpecPipelineSnr() {
        int rows = 64, cols = 4096;
        float[] w = gaussian(rows * cols, 9);
        PvqQuantizer q = new PvqQuantizer(16, 4, true, false, 1);
        EncodedTensor t = q.quantizeWithPulses(w, rows, cols, CalibrationStats.uniform(cols), 22);
        float[] back = q.dequantize(t);
        assertEquals(15.4, snrDb(w, back), 0.3);
        PvqFormat f = PvqFormat.of(t);
        // 16 bits of ρ + 256 groups × 48 bits, padded to 8 bytes: 1544 bytes per 4096 weights.
        assertEquals(1544 * 8.0 / 4096, t.bitsPerWeight(0), 1e-12);
        assertEquals(48, f.groupBits());
        EncodedTensor t40 = q.quantizeWithPulses(w, rows, cols, CalibrationStats.uniform(cols), 40);
        assertEquals(20.3, snrDb(w, q.dequantize(t40)), 0.3);
    }

    @Test
    void identityHessianEqualsPlain() {
        int rows = 8, cols = 64;
        float[] w = gaussian(rows * cols, 2);
        EncodedTensor a = new PvqQuantizer(16, 4, true, true, 1).quantize(w, rows, cols, CalibrationStats.uniform(cols), 3);
        EncodedTensor b = new PvqQuantizer(16, 4, true, false, 1).quantize(w, rows, cols, CalibrationStats.uniform(cols), 3);
        float[] qa = PvqFormat.of(a).dequantize(a.data()), qb = PvqFormat.of(b).dequantize(b.data());
        assertEquals(snrDb(w, qb), snrDb(w, qa), 1e-3);
    }

    @Test
    void hessianAwareLowersActivationWeightedError() {
        int rows = 64, cols = 256;
        float[] w = gaussian(rows * cols, 5);
        SplittableRandom r = new SplittableRandom(6);
        double[] h = new double[cols];
        for (int j = 0; j < cols; j++) h[j] = Math.exp(2 * r.nextGaussian()); // heavy-tailed column importance
        CalibrationStats stats = CalibrationStats.ofDiagonal(h);
        for (boolean rotate : new boolean[] {false, true}) {
            PvqQuantizer plain = new PvqQuantizer(16, 4, rotate, false, 1);
            PvqQuantizer aware = new PvqQuantizer(16, 4, rotate, true, 1);
            double ep = weightedError(w, plain.dequantize(plain.quantize(w, rows, cols, stats, 3)), cols, h);
            double ea = weightedError(w, aware.dequantize(aware.quantize(w, rows, cols, stats, 3)), cols, h);
            assertTrue(ea < 0.9 * ep, "rotate=" + rotate + ": Hessian-aware " + ea + " vs plain " + ep);
        }
    }

    @Test
    void rejectsBadShapes() {
        PvqQuantizer q = PvqQuantizer.defaults();
        assertThrows(IllegalArgumentException.class, () -> q.quantize(new float[10 * 20], 10, 20, CalibrationStats.uniform(20), 3));
    }

    /** tr(ΔW H ΔWᵀ) with a full H. */
    static double hessianError(float[] w, float[] q, int rows, int cols, double[] h) {
        double e = 0;
        double[] d = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) d[c] = w[r * cols + c] - q[r * cols + c];
            for (int i = 0; i < cols; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) s += h[i * cols + j] * d[j];
                e += d[i] * s;
            }
        }
        return e;
    }

    @Test
    void feedbackWithIdentityHessianIsANoOp() {
        int rows = 16, cols = 64;
        float[] w = gaussian(rows * cols, 31);
        double[] eye = new double[cols * cols];
        for (int i = 0; i < cols; i++) eye[i * cols + i] = 1;
        PvqQuantizer q = new PvqQuantizer(16, 4, true, true, 3);
        EncodedTensor withGram = q.quantize(w, rows, cols, CalibrationStats.ofGram(cols, eye), 3);
        EncodedTensor diagOnly = q.quantize(w, rows, cols, CalibrationStats.uniform(cols), 3);
        assertArrayEquals(diagOnly.data(), withGram.data());
    }

    @Test
    void feedbackLowersErrorUnderCorrelatedHessian() {
        int rows = 32, cols = 128, samples = 512;
        float[] w = gaussian(rows * cols, 41);
        // H = E[x xᵀ] of correlated activations x = B·n.
        SplittableRandom r = new SplittableRandom(42);
        double[] b = new double[cols * cols];
        for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian() * (i % (cols + 1) == 0 ? 3 : 1);
        double[] h = new double[cols * cols];
        double[] x = new double[cols], nv = new double[cols];
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < cols; i++) nv[i] = r.nextGaussian();
            for (int i = 0; i < cols; i++) {
                double v = 0;
                for (int k = 0; k < cols; k++) v += b[i * cols + k] * nv[k];
                x[i] = v;
            }
            for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) h[i * cols + j] += x[i] * x[j] / samples;
        }
        CalibrationStats full = CalibrationStats.ofGram(cols, h);
        CalibrationStats diag = CalibrationStats.ofDiagonal(full.diag());
        PvqQuantizer q = new PvqQuantizer(16, 4, true, true, 3);
        double withFeedback = hessianError(w, q.dequantize(q.quantize(w, rows, cols, full, 3)), rows, cols, h);
        double without = hessianError(w, q.dequantize(q.quantize(w, rows, cols, diag, 3)), rows, cols, h);
        assertTrue(withFeedback < 0.8 * without, "feedback " + withFeedback + " vs none " + without);
    }
}
