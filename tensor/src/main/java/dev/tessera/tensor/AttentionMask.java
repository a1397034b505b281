package dev.tessera.tensor;

/**
 * Which cached positions each query of a batch may attend to. Queries sit at {@code positions[i]}.
 */
public sealed interface AttentionMask {
    /** Query {@code i} sees every cached position {@code <= positions[i]}. */
    record Causal() implements AttentionMask {}

    /**
     * A token tree laid out after a shared prefix of {@code prefix} positions: query {@code i} sees
     * positions {@code [0, prefix)} and the batch entries {@code j} with {@code visible[i][j]}
     * (its ancestors and itself). Batch entry {@code j} is stored at {@code positions[j]}.
     */
    record Tree(int prefix, boolean[][] visible) implements AttentionMask {}

    AttentionMask CAUSAL = new Causal();
}
