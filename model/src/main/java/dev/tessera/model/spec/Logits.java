package dev.tessera.model.spec;

/** The two facts greedy drafting and verification need from a row of logits, without a full softmax. */
final class Logits {
    /** Terms this far below the maximum add under 1e-13 each to the softmax sum: skipped. */
    private static final float NEGLIGIBLE = -30f;

    private Logits() {}

    /** Index of the largest value in {@code x[off, off + n)}, the first one on ties. */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bv) {
                bv = x[off + i];
                best = i;
            }
        }
        return best;
    }

    /**
     * The softmax probability of entry {@code top} (the argmax) of {@code x[off, off + n)}:
     * {@code 1 / Σ exp(x_i − x_top)}, evaluating exp only for entries within reach of the maximum.
     */
    static double topProbability(float[] x, int off, int n, int top) {
        float max = x[off + top];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - max;
            if (d > NEGLIGIBLE) sum += Math.exp(d);
        }
        return 1 / sum;
    }
}
