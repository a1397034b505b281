package dev.tessera.model.spec;

/**
 * The result of verifying a draft: the accepted nodes on the root path (excluding the root, in
 * order of depth) and the one extra token every step emits (the correction at the first rejection,
 * or the bonus token after the last accepted node).
 */
public record Outcome(int[] acceptedNodes, int[] acceptedTokens, int extraToken) {
    /** Tokens emitted by this step: the accepted drafts then the extra token. */
    public int[] emitted() {
        int[] out = java.util.Arrays.copyOf(acceptedTokens, acceptedTokens.length + 1);
        out[acceptedTokens.length] = extraToken;
        return out;
    }

    public int accepted() { return acceptedTokens.length; }
}
