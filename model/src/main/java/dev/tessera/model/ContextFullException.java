package dev.tessera.model;

/** The KV cache has no room for the next tokens and context shifting is off. */
public final class ContextFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ContextFullException(int capacity) {
        super("context is full (" + capacity + " tokens); raise --ctx or pass --context-shift");
    }
}
