package dev.tessera.quant.glvq;

import dev.tessera.quant.vq.DenseLinalg;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GlvqTest {
    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    private static double snrDb(float[] w, float[] q) {
        double s = 0, e = 0;
        for (int i = 0; i < w.length; i++) {
            s += (double) w[i] * w[i];
            e += (double) (w[i] - q[i]) * (w[i] - q[i]);
        }
        return 10 * Math.log10(s / e);
    }

    private static double[][] identityBlocks(int subs, int d) {
        double[][] h = new double[subs][d * d];
        for (double[] b : h) for (int i = 0; i < d; i++) b[i * d + i] = 1;
        return h;
    }

    /** Spec A.10: G = δ_b·I on N(0,1) is uniform scalar quantization with 2^b levels. */
    @Test
    void scaledIdentityIsUniformScalarQuantization() {
        double[] expected = {0, 0, 9.25, 14.27, 19.38};
        double[] delta = {0, 0, 0.996, 0.586, 0.335};
        int rows = 512, gc = 128, d = 8;
        float[] w = gaussian(rows * gc, 3);
        GeneratorFit fit = new GeneratorFit(d, gc, 0);
        for (int b = 2; b <= 4; b++) {
            double[] g = new double[d * d];
            for (int i = 0; i < d; i++) g[i * d + i] = delta[b];
            int[] codes = new int[rows * gc];
            fit.babai(w, rows, g, DenseLinalg.inverse(g, d), b, codes);
            float[] gf = new float[d * d];
            for (int i = 0; i < gf.length; i++) gf[i] = (float) g[i];
            GlvqFormat f = new GlvqFormat(rows, gc, d, gc, new int[] {b}, gf);
            byte[] data = GlvqQuantizer.pack(f, new GeneratorFit.Result[] {new GeneratorFit.Result(gf, codes, 0)});
            assertEquals(rows * gc * b / 8, data.length);
            assertEquals(expected[b], snrDb(w, f.dequantize(data)), 0.05, "b=" + b);
        }
    }

    /** Babai on a tiny box-limited coset lattice vs brute force over all 2^(b·d) code vectors. */
    @Test
    void babaiVersusBruteForce() {
        int d = 2, b = 3, levels = 8;
        GeneratorFit fit = new GeneratorFit(d, 8, 0);
        SplittableRandom r = new SplittableRandom(5);
        double c = GlvqFormat.offset(b);
        // Orthogonal (diagonal) G: clamped rounding is the exact nearest point.
        double[] diag = {0.7, 0, 0, 0.3};
        // Skewed G: Babai is not exact, but within ½Σ‖g_i‖ for points inside the box.
        double[] skew = {2, 0, 1, 1};
        int agree = 0, total = 0;
        for (double[] g : new double[][] {diag, skew}) {
            double[] inv = DenseLinalg.inverse(g, d);
            double bound = 0.5 * (Math.hypot(g[0], g[2]) + Math.hypot(g[1], g[3]));
            for (int t = 0; t < 300; t++) {
                float[] w = new float[8];
                for (int i = 0; i < 8; i++) w[i] = (float) (r.nextGaussian() * (g == diag ? 1.5 : 4));
                int[] codes = new int[8];
                fit.babai(w, 1, g, inv, b, codes);
                for (int s = 0; s < 4; s++) {
                    double bestD = Double.MAX_VALUE;
                    for (int u0 = 0; u0 < levels; u0++) for (int u1 = 0; u1 < levels; u1++) {
                        bestD = Math.min(bestD, dist(g, w, s, u0 - c, u1 - c));
                    }
                    double got = dist(g, w, s, codes[2 * s] - c, codes[2 * s + 1] - c);
                    if (g == diag) {
                        assertEquals(bestD, got, 1e-9);
                    } else {
                        total++;
                        if (got <= bestD + 1e-9) agree++;
                        boolean inside = true;
                        for (int i = 0; i < 2; i++) {
                            double v = inv[i * 2] * w[2 * s] + inv[i * 2 + 1] * w[2 * s + 1] + c;
                            inside &= v >= 0 && v <= levels - 1;
                        }
                        if (inside) assertTrue(Math.sqrt(got) <= bound + 1e-9, "Babai error beyond ½Σ‖g_i‖");
                    }
                }
            }
        }
        assertTrue(agree > total / 2, "Babai agreed with brute force only " + agree + "/" + total);
    }

    private static double dist(double[] g, float[] w, int s, double z0, double z1) {
        double e0 = w[2 * s] - (g[0] * z0 + g[1] * z1);
        double e1 = w[2 * s + 1] - (g[2] * z0 + g[3] * z1);
        return e0 * e0 + e1 * e1;
    }

    @Test
    void learnedGeneratorNeverLosesToInitAndExploitsCorrelation() {
        int rows = 256, gc = 128, d = 8, b = 3;
        SplittableRandom r = new SplittableRandom(8);
        double[] a = new double[d * d];
        for (int i = 0; i < a.length; i++) a[i] = r.nextGaussian();
        float[] w = new float[rows * gc];
        double[] n = new double[d];
        for (int v = 0; v < rows * gc / d; v++) {
            for (int i = 0; i < d; i++) n[i] = r.nextGaussian();
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += a[i * d + k] * n[k];
                w[v * d + i] = (float) (0.02 * s);
            }
        }
        double[][] h = identityBlocks(gc / d, d);
        GeneratorFit.Result init = new GeneratorFit(d, gc, 0).fit(w, rows, h, b);
        GeneratorFit.Result learned = new GeneratorFit(d, gc, 20).fit(w, rows, h, b);
        assertTrue(learned.loss() <= init.loss());
        // Scalar baseline: δ_b·σ·I with σ the weights' RMS.
        double ms = 0;
        for (float v : w) ms += v * v;
        double sigma = Math.sqrt(ms / w.length);
        double[] g = new double[d * d];
        for (int i = 0; i < d; i++) g[i * d + i] = 0.586 * sigma;
        GeneratorFit f = new GeneratorFit(d, gc, 0);
        int[] codes = new int[rows * gc];
        f.babai(w, rows, g, DenseLinalg.inverse(g, d), b, codes);
        double scalar = f.loss(w, rows, h, g, codes, b);
        assertTrue(learned.loss() < 0.85 * scalar, "learned " + learned.loss() + " vs scalar " + scalar);
    }

    @Test
    void quantizeRoundTripMatchesFitLossAndBudget() {
        int rows = 64, cols = 512;
        float[] w = gaussian(rows * cols, 12);
        SplittableRandom r = new SplittableRandom(13);
        double[] hd = new double[cols];
        for (int j = 0; j < cols; j++) hd[j] = Math.exp(r.nextGaussian());
        for (int j = 256; j < cols; j++) for (int i = 0; i < rows; i++) w[i * cols + j] *= 0.2f; // salience differs per group
        CalibrationStats stats = CalibrationStats.ofDiagonal(hd);
        GlvqQuantizer q = GlvqQuantizer.defaults();
        EncodedTensor t = q.quantize(w, rows, cols, stats, 3);
        GlvqFormat f = GlvqFormat.of(t);
        assertEquals(3.0, Arrays.stream(f.bits()).average().orElseThrow(), 1e-12);
        assertEquals(3.0, t.data().length * 8.0 / (rows * cols), 1e-12);
        float[] back = q.dequantize(t);
        assertTrue(snrDb(w, back) > 12, "SNR " + snrDb(w, back));
        // Uniform-width run: dequantized weighted error must equal the fit's own loss sum.
        GlvqQuantizer u = new GlvqQuantizer(8, 128, 5, false);
        EncodedTensor tu = u.quantize(w, rows, cols, stats, 4);
        float[] bu = u.dequantize(tu);
        double e = 0;
        for (int i = 0; i < w.length; i++) e += hd[i % cols] * (w[i] - bu[i]) * (w[i] - bu[i]);
        double fitLoss = 0;
        GeneratorFit fit = new GeneratorFit(8, 128, 5);
        float[] grp = new float[rows * 128];
        for (int g = 0; g < 4; g++) {
            for (int i = 0; i < rows; i++) System.arraycopy(w, i * cols + g * 128, grp, i * 128, 128);
            double[][] h = new double[16][64];
            for (int s = 0; s < 16; s++) for (int i = 0; i < 8; i++) h[s][i * 8 + i] = hd[g * 128 + s * 8 + i];
            fitLoss += fit.fit(grp, rows, h, 4).loss();
        }
        assertEquals(fitLoss, e, 1e-3 * fitLoss);
    }

    @Test
    void overheadFormulaOfSpec() {
        // 16(d²+1)/(m_g·n_g·b) for m_g = 4096, n_g = 128 (A.7): d = 8 → 0.10/0.07/0.05 %, d = 32 → 1.56/1.04/0.78 %.
        double[][] expect = {{0.10, 0.07, 0.05}, {1.56, 1.04, 0.78}};
        int[] dims = {8, 32};
        for (int i = 0; i < 2; i++) {
            for (int b = 2; b <= 4; b++) {
                double pct = 100.0 * 16 * (dims[i] * dims[i] + 1) / (4096.0 * 128 * b);
                assertEquals(expect[i][b - 2], pct, 0.005);
            }
        }
    }

    @Test
    void feedbackLowersErrorUnderCorrelatedHessian() {
        int rows = 32, cols = 512, samples = 1024;
        float[] w = gaussian(rows * cols, 51);
        SplittableRandom r = new SplittableRandom(52);
        // Activations with a shared component across columns 0..255 and 256..511 (x_j = a_j·s + n_j).
        double[] h = new double[cols * cols];
        double[] x = new double[cols];
        for (int t = 0; t < samples; t++) {
            double shared = 3 * r.nextGaussian();
            for (int j = 0; j < cols; j++) x[j] = shared * Math.sin(j) + r.nextGaussian();
            for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) h[i * cols + j] += x[i] * x[j] / samples;
        }
        CalibrationStats full = CalibrationStats.ofGram(cols, h);
        CalibrationStats diag = CalibrationStats.ofDiagonal(full.diag());
        GlvqQuantizer q = new GlvqQuantizer(8, 128, 4, false);
        double with = hessianError(w, q.dequantize(q.quantize(w, rows, cols, full, 3)), rows, cols, h);
        double without = hessianError(w, q.dequantize(q.quantize(w, rows, cols, diag, 3)), rows, cols, h);
        assertTrue(with < 0.9 * without, "feedback " + with + " vs none " + without);
    }

    private static double hessianError(float[] w, float[] q, int rows, int cols, double[] h) {
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
}
