package dev.tessera.model.server;

/** Receives generated text as it becomes printable. */
@FunctionalInterface
public interface TokenSink {
    /**
     * {@code text} is the next stretch of output: whole characters only, so a token that ends
     * inside a multi-byte character waits for the next one. Returns false to stop generation.
     */
    boolean accept(String text);
}
