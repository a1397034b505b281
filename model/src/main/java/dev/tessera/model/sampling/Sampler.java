package dev.tessera.model.sampling;

/** Picks the next token from a row of logits. Implementations keep their own state (RNG, history). */
public interface Sampler {
    /** The next token; {@code logits} may be modified in place. */
    int sample(float[] logits);

    /** Records a token that entered the context (prompt or generated), for repetition penalties. */
    default void accept(int token) {}

    /** Forgets the recorded history (the RNG stream continues). */
    default void reset() {}
}
