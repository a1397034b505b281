package dev.tessera.model.server;

import java.util.Locale;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced an end-of-sequence token, or a stop sequence matched. */
    STOP,
    /** max_tokens was reached, or the context is full. */
    LENGTH,
    /** The sink refused more text or the cancellation flag was raised. */
    CANCELLED;

    /** The OpenAI {@code finish_reason} value. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
