package dev.tessera.model.spec;

/**
 * What a speculative run did: target verification steps, tokens drafted and accepted, and where
 * the time went ({@code totalNanos} excludes the prompt's {@code prefillNanos}): drafting, the
 * target's batched forward pass, the acceptance rule (argmax or probabilities), and committing
 * (KV compaction, the drafter's and the policy's bookkeeping). {@code acceptRate} is accepted ÷
 * drafted; {@code meanAccepted} is the accepted drafts per verification step (the tokens per step
 * are one more).
 */
public record SpecStats(String drafter, int steps, long drafted, long accepted, int generated, long draftNanos, long forwardNanos,
                        long acceptNanos, long commitNanos, long prefillNanos, long totalNanos) {
    public double acceptRate() { return drafted == 0 ? 0 : (double) accepted / drafted; }

    public double meanAccepted() { return steps == 0 ? 0 : (double) accepted / steps; }

    /** Draft rounds per second of wall time. */
    public double draftsPerSecond() { return totalNanos == 0 ? 0 : steps * 1e9 / totalNanos; }

    public double tokensPerSecond() { return totalNanos == 0 ? 0 : generated * 1e9 / totalNanos; }
}
