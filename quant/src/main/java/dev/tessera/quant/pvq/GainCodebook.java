package dev.tessera.quant.pvq;

import java.util.Arrays;

/**
 * Scalar codebook for the relative group gains {@code γ = g* / ρ}: weighted 1-D Lloyd–Max
 * (k-means) on the matrix's own gains, weight = the squared error one unit of gain error costs
 * that group ({@code ρ²·uᵀAu}). Levels are sorted ascending and rounded to FP16 precision so the
 * header stores them exactly.
 */
public final class GainCodebook {
    private GainCodebook() {}

    /** Fits {@code 2^bits} levels to {@code values} with {@code weights}; 40 Lloyd iterations. */
    public static float[] fit(double[] values, double[] weights, int count, int bits) {
        int levels = 1 << bits;
        double[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        double[] c = new double[levels];
        for (int i = 0; i < levels; i++) c[i] = sorted[(int) ((i + 0.5) * count / levels)];
        double[] sum = new double[levels];
        double[] wsum = new double[levels];
        for (int it = 0; it < 40; it++) {
            Arrays.fill(sum, 0);
            Arrays.fill(wsum, 0);
            for (int i = 0; i < count; i++) {
                int j = nearest(c, values[i]);
                sum[j] += weights[i] * values[i];
                wsum[j] += weights[i];
            }
            for (int j = 0; j < levels; j++) if (wsum[j] > 0) c[j] = sum[j] / wsum[j];
            Arrays.sort(c);
        }
        float[] out = new float[levels];
        for (int j = 0; j < levels; j++) out[j] = Float.float16ToFloat(Float.floatToFloat16((float) c[j]));
        return out;
    }

    /** Index of the level nearest to {@code v} (levels ascending). */
    public static int nearest(float[] levels, double v) {
        int best = 0;
        double bd = Double.MAX_VALUE;
        for (int j = 0; j < levels.length; j++) {
            double d = Math.abs(levels[j] - v);
            if (d < bd) { bd = d; best = j; }
        }
        return best;
    }

    private static int nearest(double[] levels, double v) {
        int best = 0;
        double bd = Double.MAX_VALUE;
        for (int j = 0; j < levels.length; j++) {
            double d = Math.abs(levels[j] - v);
            if (d < bd) { bd = d; best = j; }
        }
        return best;
    }
}
