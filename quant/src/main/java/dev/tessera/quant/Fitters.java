package dev.tessera.quant;

import static dev.tessera.quant.Rounding.nearestInt;

/**
 * The sub-block fitters of ggml's K-quant (and importance-weighted) quantizers, quant-formats.md
 * section 3.14. Each searches integer levels {@code L} and a scale (and min) for one group of
 * {@code n} values {@code x[xo ..]}; they are written so that every float operation happens in
 * the same order as in ggml, which keeps the output bytes identical.
 *
 * <p>Arrays are caller-owned scratch (no allocation here). {@code L} receives levels at
 * {@code L[lo ..]}.
 */
final class Fitters {
    private Fitters() {}

    /** Groups whose largest magnitude is below this are treated as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * Symmetric fit {@code x ≈ scale·l}, {@code l ∈ [-nmax, nmax-1]}; stores {@code l + nmax}.
     * Weights are {@code qw[qo ..]} when {@code qw != null}, else {@code x²} ({@code rmseType} 1).
     * Tries 19 scales around {@code nmax/max} and keeps the one maximising {@code (Σwxl)²/Σwl²}.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo, float[] qw, int qo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
            L[lo + i] = l + nmax;
            float w = qw != null ? qw[qo + i] : xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
                float w = qw != null ? qw[qo + i] : xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    L[lo + i] = nmax + clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * Symmetric fit for Q3_K ({@code l ∈ [-nmax, nmax-1]}, weights {@code x²}): start from
     * {@code nmax/max}, then up to five passes of per-element re-rounding, each change kept only
     * if it increases {@code (Σwxl)²/Σwl²}. Stores {@code l + nmax}.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
            L[lo + i] = l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                float w = xi * xi;
                int li = L[lo + i];
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = clamp(nearestInt(xi * sl2 / slx), -nmax, nmax - 1);
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += nmax;
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }

    /**
     * Asymmetric fit {@code x ≈ scale·l + min}, {@code l ∈ [0, nmax]}, {@code min ≤ 0}, weights
     * {@code w[wo ..]} (ggml's {@code make_qkx2_quants}). Starts from the min/max fit, then tries
     * {@code nstep + 1} inverse scales {@code (rmin + rdelta·is + nmax)/(max − min)}, solving the
     * weighted least squares for (scale, min) each time; error is Σw|d| ({@code useMad}) or Σwd².
     * Returns the scale; {@code minOut[0]} receives the negated min (≥ 0).
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] w, int wo, int[] L, int lo,
                                float[] minOut, int[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = w[wo];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float wi = w[wo + i];
            sumW += wi;
            sumX += wi * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            minOut[0] = -min;
            return 0f;
        }
        return searchScaleMin(n, nmax, x, xo, w, wo, L, lo, minOut, laux, rmin, rdelta, nstep, useMad,
                min, max, sumW, sumX);
    }

    /**
     * As {@link #makeQkx2Quants} but with weights {@code x²} when {@code w == null} and a
     * {@code max <= min} guard (ggml's {@code make_qkx3_quants}, used by the importance paths).
     */
    static float makeQkx3Quants(int n, int nmax, float[] x, int xo, float[] w, int wo, int[] L, int lo,
                                float[] minOut, int[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = w != null ? w[wo] : x[xo] * x[xo];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float wi = w != null ? w[wo + i] : xi * xi;
            sumW += wi;
            sumX += wi * xi;
        }
        if (min > 0) min = 0;
        if (max <= min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            minOut[0] = -min;
            return 0f;
        }
        return searchScaleMin(n, nmax, x, xo, w, wo, L, lo, minOut, laux, rmin, rdelta, nstep, useMad,
                min, max, sumW, sumX);
    }

    /** The shared search of make_qkx2/qkx3 ({@code w == null} means weights x²). */
    private static float searchScaleMin(int n, int nmax, float[] x, int xo, float[] w, int wo, int[] L, int lo,
                                        float[] minOut, int[] laux, float rmin, float rdelta, int nstep,
                                        boolean useMad, float min, float max, float sumW, float sumX) {
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * (xi - min)), 0, nmax);
            L[lo + i] = l;
            float diff = scale * l + min - xi;
            diff = useMad ? Math.abs(diff) : diff * diff;
            float wi = w != null ? w[wo + i] : xi * xi;
            bestError += wi * diff;
        }
        if (nstep < 1) {
            minOut[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = clamp(nearestInt(iscale * (xi - min)), 0, nmax);
                laux[i] = l;
                float wi = w != null ? w[wo + i] : xi * xi;
                sumL += wi * l;
                sumL2 += wi * l * l;
                sumXL += wi * l * xi;
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float xi = x[xo + i];
                    float diff = thisScale * laux[i] + thisMin - xi;
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    float wi = w != null ? w[wo + i] : xi * xi;
                    error += wi * diff;
                }
                if (error < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }

    /**
     * Fits non-negative values (sub-block scales or mins) to {@code L ∈ [0, nmax]} times one
     * super-scale, weighted by {@code qw} (ggml's {@code make_qp_quants}, importance paths).
     */
    static float makeQpQuants(int n, int nmax, float[] x, int[] L, float[] qw) {
        float max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        if (max < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[i] = 0;
            return 0f;
        }
        float iscale = nmax / max;
        for (int i = 0; i < n; i++) L[i] = nearestInt(iscale * x[i]);
        float scale = 1 / iscale;
        float bestMse = 0;
        for (int i = 0; i < n; i++) {
            float diff = x[i] - scale * L[i];
            bestMse += qw[i] * diff * diff;
        }
        for (int is = -4; is <= 4; is++) {
            if (is == 0) continue;
            float iscaleIs = (0.1f * is + nmax) / max;
            float scaleIs = 1 / iscaleIs;
            float mse = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.min(nmax, nearestInt(iscaleIs * x[i]));
                float diff = x[i] - scaleIs * l;
                mse += qw[i] * diff * diff;
            }
            if (mse < bestMse) {
                bestMse = mse;
                iscale = iscaleIs;
            }
        }
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.min(nmax, nearestInt(iscale * x[i]));
            L[i] = l;
            float w = qw[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = qw[i];
                float slx = sumlx - w * x[i] * L[i];
                float sl2 = suml2 - w * L[i] * L[i];
                if (slx > 0 && sl2 > 0) {
                    int newL = Math.min(nmax, nearestInt(x[i] * sl2 / slx));
                    if (newL != L[i]) {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
