package dev.tessera.tensor;

/**
 * Per-layer attention settings: head counts, the score scale (usually {@code 1/sqrt(headDim)}),
 * optional soft-capping of scores ({@code softcap <= 0}: off) and a sliding window
 * ({@code window <= 0}: off; otherwise a query at position p sees positions {@code > p - window}).
 */
public record AttentionParams(int heads, int kvHeads, int headDim, float scale, float softcap, int window) {
    public AttentionParams {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " must be a positive multiple of kv heads " + kvHeads);
        }
    }
}
