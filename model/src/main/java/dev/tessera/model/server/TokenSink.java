package dev.tessera.model.server;

/** Receives generated text, one call per generated token. */
@FunctionalInterface
public interface TokenSink {
    /**
     * {@code text} is the token's text; it may be empty when the token ends inside a multi-byte
     * character whose rest comes with later tokens. Returns false to stop generation.
     */
    boolean accept(String text);
}
