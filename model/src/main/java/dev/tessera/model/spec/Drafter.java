package dev.tessera.model.spec;

/**
 * Proposes what the target might say next. Every drafter returns a {@link DraftTree} rooted at the
 * pending token (a chain is a tree), so one verifier serves them all.
 */
public interface Drafter {
    /** Name for statistics and {@code --json-stats}. */
    String name();

    /**
     * Brings the drafter's own state up to date with {@code context[0, length)} (the committed tokens
     * and the pending one). The decoder calls it after the prompt and before each drafting step, and
     * times it apart from drafting: after a stretch of plain decoding a draft model must first catch
     * up with every token it missed, a cost that says nothing about what drafting a token costs.
     * {@link #propose} must work without it.
     */
    default void sync(int[] context, int length) {}

    /**
     * A draft of at most {@code maxDrafts} tokens after the pending token {@code context[length - 1]};
     * {@code context[0, length)} are the committed tokens followed by the pending one. May return
     * {@link DraftTree#root} when it has nothing to propose.
     */
    DraftTree propose(int[] context, int length, int maxDrafts);

    /**
     * Called after each verification with the target's logits for every fed node (row i = node i at
     * {@code logits[i * vocab, (i + 1) * vocab)}), so drafters that learn from the target (Token
     * Recycling) can update.
     */
    default void observe(DraftTree tree, float[] logits, int vocab, Outcome outcome) {}
}
