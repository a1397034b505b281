package dev.tessera.quant;

/**
 * Per-block statistics the reference encoders share: the extremes a block's scale comes from, and
 * ggml's importance weights {@code qw·sqrt(σ² + x²)} (σ² the mean square of the whole row).
 */
final class BlockStats {
    private BlockStats() {}

    /** The element of largest magnitude among {@code src[x..x+n)}, sign kept (the first one on ties). */
    static float signedAbsMax(float[] src, int x, int n) {
        float amax = 0, max = 0;
        for (int e = 0; e < n; e++) {
            float v = src[x + e];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** {@code {min, max}} of {@code src[x..x+n)} into {@code out[0..2)}. */
    static void minMax(float[] src, int x, int n, float[] out) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int e = 0; e < n; e++) {
            float v = src[x + e];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        out[0] = min;
        out[1] = max;
    }

    /** Mean of the squares of {@code src[x..x+n)}, summed in float in order as ggml does. */
    static float meanSquare(float[] src, int x, int n) {
        float sumX2 = 0;
        for (int j = 0; j < n; j++) sumX2 += src[x + j] * src[x + j];
        return sumX2 / n;
    }

    /** {@code w[j] = qw[q + j]·sqrt(σ² + src[x + j]²)} for {@code j < n}. */
    static void importanceWeights(float[] qw, int q, float[] src, int x, float sigma2, float[] w, int n) {
        for (int j = 0; j < n; j++) w[j] = qw[q + j] * (float) Math.sqrt(sigma2 + src[x + j] * src[x + j]);
    }
}
