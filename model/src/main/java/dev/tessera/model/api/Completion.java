package dev.tessera.model.api;

/**
 * The outcome of one generation.
 *
 * @param text            the generated text (stop strings cut off)
 * @param tokens          the generated token ids, an end-of-text token included when one was sampled
 * @param promptTokens    tokens in the prompt
 * @param cachedTokens    prompt tokens whose keys and values were already in the cache and were not evaluated again
 * @param promptNanos     time spent evaluating the prompt
 * @param generationNanos time spent generating
 */
public record Completion(String text, int[] tokens, StopReason stopReason, int promptTokens, int cachedTokens,
                         long promptNanos, long generationNanos) {
    public int generatedTokens() { return tokens.length; }

    /** Generated tokens per second. */
    public double tokensPerSecond() { return generationNanos == 0 ? 0 : tokens.length * 1e9 / generationNanos; }
}
