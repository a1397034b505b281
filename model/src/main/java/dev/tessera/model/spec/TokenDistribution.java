package dev.tessera.model.spec;

/**
 * The processed next-token distribution (penalties, temperature, top-k/top-p/min-p...) that plain
 * sampling would draw from. Speculative sampling is lossless with respect to exactly this
 * distribution, so target rows and draft proposals both go through it.
 */
public interface TokenDistribution {
    /**
     * Writes to {@code out} the distribution after {@code context[0, length)} given the row of logits
     * at {@code logits[offset, offset + out.length)}.
     */
    void probabilities(float[] logits, int offset, int[] context, int length, double[] out);
}
