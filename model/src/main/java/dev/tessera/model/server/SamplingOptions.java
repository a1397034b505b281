package dev.tessera.model.server;

import java.util.Map;

/**
 * How to pick each token, as an OpenAI request states it. An engine must honour every field or
 * reject the request ({@link IllegalArgumentException}); none may be ignored.
 *
 * @param temperature      0 means greedy (argmax)
 * @param topP             nucleus mass, 1 = off
 * @param topK             keep the k most likely tokens, 0 = off
 * @param minP             drop tokens below minP × the top probability, 0 = off
 * @param maxTokens        stop after this many generated tokens
 * @param seed             the random seed, or null for an arbitrary one
 * @param presencePenalty  subtracted once from the logit of every token already generated
 * @param frequencyPenalty subtracted from a token's logit per time it was generated
 * @param logitBias        added to the logits of the given token ids before sampling
 */
public record SamplingOptions(double temperature, double topP, int topK, double minP, int maxTokens, Long seed,
                              double presencePenalty, double frequencyPenalty, Map<Integer, Double> logitBias) {
    public SamplingOptions {
        logitBias = Map.copyOf(logitBias);
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens: expected at least 1, got " + maxTokens);
    }

    /** OpenAI's defaults: temperature 1, no truncation, no penalties. */
    public static SamplingOptions defaults(int maxTokens) {
        return new SamplingOptions(1.0, 1.0, 0, 0.0, maxTokens, null, 0.0, 0.0, Map.of());
    }
}
