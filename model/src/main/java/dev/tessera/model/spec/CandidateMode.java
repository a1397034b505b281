package dev.tessera.model.spec;

/**
 * How the children of a draft-tree node were proposed; the lossless acceptance test depends on it
 * (speculative-decoding.md §2.2–2.4).
 */
public enum CandidateMode {
    /** Each child drawn independently from the parent's proposal distribution (a chain from a draft model, SpecInfer). */
    INDEPENDENT,
    /** Children drawn without replacement from the parent's proposal distribution (Sequoia). */
    WITHOUT_REPLACEMENT,
    /** Children are fixed guesses, a point mass each (n-gram lookup, Token Recycling, top-k siblings). */
    DETERMINISTIC
}
