package dev.tessera.quant.glvq;

import dev.tessera.quant.vq.DenseLinalg;

/**
 * Learns one group's lattice generator G (d×d) and its integer codes (vector-quantization.md
 * A.4/A.8, companding off): alternate
 * <ol>
 *   <li>Babai rounding of every sub-vector, {@code u = clamp(round(G⁻¹w + c_b), 0, 2^b−1)}, and</li>
 *   <li>the exact least-squares update of G for those codes under the activation-weighted error
 *       {@code Σ_{r,s} (w−Gz)ᵀ H_s (w−Gz) + λ‖G−G0‖²},</li>
 * </ol>
 * where {@code H_s} is the d×d diagonal block of the calibration second moment for sub-vector
 * position s (the paper's {@code tr(Δ H_g Δᵀ)} with the coupling between different sub-vectors
 * dropped; exact when only {@code E[x²]} is known). Starts from {@code G0 = δ_b·chol(E[vvᵀ])};
 * keeps the best (G, codes) seen, since re-rounding makes the loss non-monotone. G is rounded to
 * FP16 before each rounding so the stored G reproduces the codes' loss exactly.
 */
final class GeneratorFit {
    /** MSE-optimal uniform step for N(0,1) with 2^b levels, b = 1..8 (Max 1960). */
    private static final double[] DELTA = {0, 1.596, 0.996, 0.586, 0.335, 0.188, 0.104, 0.057, 0.031};

    /** The fitted generator (FP16-exact), the codes (rows × groupCols, unsigned) and the loss. */
    record Result(float[] generator, int[] codes, double loss) {}

    private final int d;
    private final int groupCols;
    private final int iterations;

    GeneratorFit(int d, int groupCols, int iterations) {
        this.d = d;
        this.groupCols = groupCols;
        this.iterations = iterations;
    }

    /**
     * @param w     the group's weights, rows × groupCols row-major
     * @param h     per sub-vector position s, the d×d block H_s (row-major)
     * @param bits  b, bits per coordinate
     */
    Result fit(float[] w, int rows, double[][] h, int bits) {
        double[] g0 = initialGenerator(w, rows, bits);
        double[] g = roundFp16(g0);
        int[] codes = new int[rows * groupCols];
        Result best = null;
        double previous = Double.NaN;
        for (int it = 0; it <= iterations; it++) {
            double[] inv;
            try {
                inv = DenseLinalg.inverse(g, d);
            } catch (ArithmeticException e) {
                break; // degenerate update: keep the best so far
            }
            babai(w, rows, g, inv, bits, codes);
            double loss = loss(w, rows, h, g, codes, bits);
            if (best == null || loss < best.loss()) best = new Result(toFloat(g), codes.clone(), loss);
            if (it == iterations || Math.abs(previous - loss) <= 1e-5 * loss) break;
            previous = loss;
            g = roundFp16(leastSquares(w, rows, h, codes, bits, g0));
        }
        return best;
    }

    /** {@code δ_b · chol(E[v vᵀ] + ε·I)} over all sub-vectors v of the group. */
    double[] initialGenerator(float[] w, int rows, int bits) {
        double[] cov = new double[d * d];
        int subs = groupCols / d;
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < subs; s++) {
                int o = r * groupCols + s * d;
                for (int i = 0; i < d; i++) for (int k = 0; k <= i; k++) cov[i * d + k] += (double) w[o + i] * w[o + k];
            }
        }
        double count = (double) rows * subs, tr = 0;
        for (int i = 0; i < d; i++) for (int k = 0; k <= i; k++) {
            cov[i * d + k] /= count;
            cov[k * d + i] = cov[i * d + k];
        }
        for (int i = 0; i < d; i++) tr += cov[i * d + i];
        double eps = 1e-6 * tr / d + 1e-30;
        for (int i = 0; i < d; i++) cov[i * d + i] += eps;
        double[] l = DenseLinalg.cholesky(cov, d);
        for (int i = 0; i < l.length; i++) l[i] *= DELTA[bits];
        return l;
    }

    /** Babai rounding of every sub-vector with the half-integer offset, clamped to b bits. */
    void babai(float[] w, int rows, double[] g, double[] inv, int bits, int[] codes) {
        double c = GlvqFormat.offset(bits);
        int max = (1 << bits) - 1;
        int subs = groupCols / d;
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < subs; s++) {
                int o = r * groupCols + s * d;
                for (int i = 0; i < d; i++) {
                    double v = c;
                    for (int k = 0; k < d; k++) v += inv[i * d + k] * w[o + k];
                    long u = Math.round(v);
                    codes[o + i] = (int) Math.max(0, Math.min(max, u));
                }
            }
        }
    }

    /** {@code Σ_{r,s} eᵀ H_s e} with {@code e = w − G(u − c)}. */
    double loss(float[] w, int rows, double[][] h, double[] g, int[] codes, int bits) {
        double c = GlvqFormat.offset(bits);
        int subs = groupCols / d;
        double[] e = new double[d];
        double total = 0;
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < subs; s++) {
                int o = r * groupCols + s * d;
                for (int i = 0; i < d; i++) {
                    double v = 0;
                    for (int k = 0; k < d; k++) v += g[i * d + k] * (codes[o + k] - c);
                    e[i] = w[o + i] - v;
                }
                double[] hs = h[s];
                for (int i = 0; i < d; i++) {
                    double t = 0;
                    for (int k = 0; k < d; k++) t += hs[i * d + k] * e[k];
                    total += e[i] * t;
                }
            }
        }
        return total;
    }

    /**
     * Minimizes {@code Σ (w−Gz)ᵀH_s(w−Gz) + λ‖G−G0‖²} over G for fixed codes: the normal equations
     * {@code Σ_s H_s G Z_s + λG = Σ_s H_s P_s + λG0} with {@code Z_s = Σ_r z zᵀ},
     * {@code P_s = Σ_r w zᵀ}, solved as one d²×d² SPD system in vec(G).
     */
    double[] leastSquares(float[] w, int rows, double[][] h, int[] codes, int bits, double[] g0) {
        int subs = groupCols / d, dd = d * d;
        double c = GlvqFormat.offset(bits);
        double[][] zz = new double[subs][dd];
        double[][] pz = new double[subs][dd];
        double[] z = new double[d];
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < subs; s++) {
                int o = r * groupCols + s * d;
                for (int i = 0; i < d; i++) z[i] = codes[o + i] - c;
                double[] zs = zz[s], ps = pz[s];
                for (int i = 0; i < d; i++) {
                    for (int k = 0; k < d; k++) {
                        zs[i * d + k] += z[i] * z[k];
                        ps[i * d + k] += w[o + i] * z[k];
                    }
                }
            }
        }
        double[] m = new double[dd * dd];
        double[] rhs = new double[dd];
        for (int s = 0; s < subs; s++) {
            double[] hs = h[s], zs = zz[s], ps = pz[s];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    double t = 0;
                    for (int k = 0; k < d; k++) t += hs[a * d + k] * ps[k * d + b];
                    rhs[a * d + b] += t;
                    for (int cc = 0; cc < d; cc++) {
                        double hac = hs[a * d + cc];
                        if (hac == 0) continue;
                        for (int e = 0; e < d; e++) m[(a * d + b) * dd + cc * d + e] += hac * zs[e * d + b];
                    }
                }
            }
        }
        double trace = 0;
        for (int i = 0; i < dd; i++) trace += m[i * dd + i];
        double lambda = 1e-4 * trace / dd + 1e-30;
        for (int i = 0; i < dd; i++) {
            m[i * dd + i] += lambda;
            rhs[i] += lambda * g0[i];
        }
        return DenseLinalg.solveSpd(m, rhs, dd);
    }

    static double[] roundFp16(double[] g) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) out[i] = Float.float16ToFloat(Float.floatToFloat16((float) g[i]));
        return out;
    }

    private static float[] toFloat(double[] g) {
        float[] f = new float[g.length];
        for (int i = 0; i < g.length; i++) f[i] = (float) g[i];
        return f;
    }
}
