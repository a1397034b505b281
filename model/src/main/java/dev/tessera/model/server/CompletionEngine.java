package dev.tessera.model.server;

import java.util.function.BooleanSupplier;

/**
 * What the HTTP server needs from a model: the narrow waist between {@link OpenAiServer} and the
 * tokenizer, chat template, sampler and generator behind it.
 *
 * <p>{@link #encode} may be called from several threads at once. {@link #generate} is called
 * from at most {@link ServerConfig#parallel()} threads at once (one by default), so an engine with
 * a single KV cache needs no locking of its own when the server runs with {@code parallel = 1}.
 */
public interface CompletionEngine {
    /** The model's name as /v1/models lists it and responses carry it. */
    String modelId();

    /** How many tokens (prompt and completion together) fit in the context. */
    int contextLength();

    /** The vocabulary size; {@code logit_bias} keys must be below it. */
    int vocabularySize();

    /**
     * The prompt's token ids: text is tokenized as is (with the model's BOS when it uses one),
     * chat messages are rendered with the model's chat template first.
     *
     * @throws IllegalArgumentException for a prompt the engine cannot take (e.g. a role its template lacks)
     */
    int[] encode(Prompt prompt);

    /**
     * Refuses, before any response is sent, sampling options this engine cannot honour.
     *
     * @throws IllegalArgumentException naming the option
     */
    void checkOptions(SamplingOptions options);

    /**
     * Generates after {@code prompt}, handing each token's text to {@code sink} as it is
     * produced, until an end-of-sequence token ({@link FinishReason#STOP}), {@code maxTokens}
     * or a full context ({@link FinishReason#LENGTH}), or until the sink returns false or
     * {@code cancelled} turns true ({@link FinishReason#CANCELLED}; checked at least once per token).
     * The options have passed {@link #checkOptions}.
     */
    Completion generate(int[] prompt, SamplingOptions options, TokenSink sink, BooleanSupplier cancelled);
}
