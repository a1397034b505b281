package dev.tessera.model.api;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-text or end-of-turn token. */
    END_OF_TEXT,
    /** One of the stop strings appeared (it is not part of the text). */
    STOP_STRING,
    /** {@link GenerationOptions#maxTokens()} tokens were generated. */
    MAX_TOKENS,
    /** The KV cache is full and context shifting is off. */
    CONTEXT_FULL,
    /** {@link Generation#cancel()} was called, or the stream's consumer went away. */
    CANCELLED
}
