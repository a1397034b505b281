package dev.tessera.model.server;

import java.util.List;

/**
 * A validated /v1/completions or /v1/chat/completions request.
 *
 * @param maxTokens    the requested max_tokens, or null when the request left it to the server
 * @param stop         stop sequences; the text ends before the first one that appears
 * @param includeUsage stream_options.include_usage: a last chunk carries the token counts
 */
public record CompletionRequest(boolean chat, Prompt prompt, SamplingOptionsDraft sampling, Integer maxTokens,
                                List<String> stop, boolean stream, boolean includeUsage) {
    public CompletionRequest {
        stop = List.copyOf(stop);
    }

    /** Sampling options whose max_tokens is settled later, once the prompt's length is known. */
    public record SamplingOptionsDraft(double temperature, double topP, int topK, double minP, Long seed,
                                       double presencePenalty, double frequencyPenalty, java.util.Map<Integer, Double> logitBias) {
        public SamplingOptions withMaxTokens(int maxTokens) {
            return new SamplingOptions(temperature, topP, topK, minP, maxTokens, seed, presencePenalty, frequencyPenalty, logitBias);
        }
    }
}
