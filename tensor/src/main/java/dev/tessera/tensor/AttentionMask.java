package dev.tessera.tensor;

/**
 * Which cache slots each query of a batch may attend to. Query {@code i} has position {@code positions[i]}.
 */
public sealed interface AttentionMask {
    /** Query {@code i} sees every slot {@code <= positions[i]} (slot = position in a chain). */
    record Causal() implements AttentionMask {}

    /**
     * A token tree laid out after a shared prefix of {@code prefix} slots: query {@code i} sees
     * slots {@code [0, prefix)} and the slots {@code prefix + j} of the batch entries {@code j} with
     * {@code visible[i][j]} (its ancestors and itself).
     */
    record Tree(int prefix, boolean[][] visible) implements AttentionMask {}

    AttentionMask CAUSAL = new Causal();
}
