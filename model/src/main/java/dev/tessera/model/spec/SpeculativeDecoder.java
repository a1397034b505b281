package dev.tessera.model.spec;

import dev.tessera.model.ContextFullException;
import dev.tessera.model.Transformer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Speculative decoding over one sequence (speculative-decoding.md §1): each step asks the drafter
 * for a tree rooted at the pending token, evaluates the whole tree in one batched forward pass of
 * the target (a causal mask for chains, the tree mask otherwise), accepts drafts with the greedy or
 * the lossless stochastic rule, compacts the accepted path's K/V into consecutive cache slots and
 * emits the accepted tokens plus one correction or bonus token.
 *
 * <p>The committed length L counts tokens whose K/V are in the target cache; the pending token
 * (the last emitted one) is fed at the start of the next step.
 */
public final class SpeculativeDecoder {
    private final Transformer target;
    private final KvCache cache;
    private final Drafter drafter;
    private final AdaptiveDraftLength policy;
    private final TokenDistribution distribution; // null: greedy
    private final RandomGenerator rng;
    private final int vocab;
    private final float[] rows;
    private final int[][] slots; // per tree size: cache slots of the nodes (rewritten each step)
    private final int[][] allRows; // per tree size: 0..size-1, every row's logits are wanted

    /**
     * @param target       built with {@code maxBatch} and {@code maxLogitRows} at least one more than
     *                     the largest draft (tree) the drafter proposes
     * @param distribution the processed target distribution for sampling, or null for greedy decoding
     */
    public SpeculativeDecoder(Transformer target, KvCache cache, Drafter drafter, AdaptiveDraftLength policy,
                              TokenDistribution distribution, RandomGenerator rng) {
        this.target = target;
        this.cache = cache;
        this.drafter = drafter;
        this.policy = policy;
        this.distribution = distribution;
        this.rng = rng;
        this.vocab = target.config().vocabSize();
        this.rows = new float[target.maxBatch() * vocab];
        this.slots = new int[target.maxBatch() + 1][];
        this.allRows = new int[target.maxBatch() + 1][];
    }

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt} (which starts an empty cache),
     * passing each to {@code emit}; stops after a token for which {@code isEnd} holds.
     */
    public SpecStats generate(int[] prompt, int maxTokens, IntPredicate isEnd, IntConsumer emit) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        long start = System.nanoTime();
        int[] context = Arrays.copyOf(prompt, Math.max(16, prompt.length + maxTokens + target.maxBatch() + 1));
        int length = prompt.length; // committed tokens + the pending one
        prefill(prompt, prompt.length - 1);
        int committed = prompt.length - 1;
        drafter.sync(context, length);
        long prefilled = System.nanoTime();

        int steps = 0, generated = 0;
        long drafted = 0, accepted = 0, draftNanos = 0, forwardNanos = 0, acceptNanos = 0, commitNanos = 0;
        boolean done = false, draftedBefore = true;
        while (!done && generated < maxTokens) {
            int room = Math.min(cache.capacity() - committed - 1, target.maxBatch() - 1);
            if (room < 0) throw new ContextFullException(cache.capacity());
            int gamma = Math.min(policy.next(), room);
            long t0 = System.nanoTime();
            if (gamma > 0) drafter.sync(context, length);
            long synced = System.nanoTime();
            DraftTree tree = drafter.propose(context, length, gamma);
            if (tree.drafts() > room) throw new IllegalStateException(drafter.name() + " proposed " + tree.drafts() + " drafts, at most " + room + " fit");
            long t1 = System.nanoTime();
            evaluate(tree, committed);
            long t2 = System.nanoTime();
            Outcome outcome = distribution == null ? Verification.greedy(tree, u -> Logits.argmax(rows, u * vocab, vocab)) : sampled(tree, context, length);
            long t3 = System.nanoTime();
            compact(outcome.acceptedNodes(), committed);
            committed += 1 + outcome.accepted();
            drafter.observe(tree, rows, vocab, outcome);
            long t4 = System.nanoTime();
            // A sync right after a drafting step is part of drafting (a draft model feeds the last
            // token or two); after plain steps it is a catch-up, not a cost of drafting a token.
            policy.record(tree, outcome, (t1 - (draftedBefore ? t0 : synced)) / 1e9, (t4 - t1) / 1e9);
            draftedBefore = tree.drafts() > 0;
            steps++;
            drafted += tree.drafts();
            accepted += outcome.accepted();
            draftNanos += t1 - t0;
            forwardNanos += t2 - t1;
            acceptNanos += t3 - t2;
            commitNanos += t4 - t3;

            for (int token : outcome.emitted()) {
                context[length++] = token;
                emit.accept(token);
                generated++;
                if (isEnd.test(token) || generated >= maxTokens) {
                    done = true;
                    break;
                }
            }
        }
        return new SpecStats(drafter.name(), steps, drafted, accepted, generated, draftNanos, forwardNanos, acceptNanos, commitNanos,
                prefilled - start, System.nanoTime() - prefilled);
    }

    /** Runs the tree through the target at slots {@code committed..}, leaving every node's logits in {@link #rows}. */
    private void evaluate(DraftTree tree, int committed) {
        int n = tree.size();
        if (slots[n] == null) {
            slots[n] = new int[n];
            allRows[n] = new int[n];
            for (int i = 0; i < n; i++) allRows[n][i] = i;
        }
        int[] s = slots[n];
        for (int i = 0; i < n; i++) s[i] = committed + i;
        AttentionMask mask = tree.isChain() ? AttentionMask.CAUSAL : new AttentionMask.Tree(committed, tree.visibility());
        target.forward(cache, tree.tokens(), tree.positions(committed), s, mask, allRows[n], rows);
    }

    /** The lossless stochastic rule on the processed target distributions of every node. */
    private Outcome sampled(DraftTree tree, int[] context, int length) {
        int n = tree.size();
        double[][] p = new double[n][vocab];
        for (int i = 0; i < n; i++) {
            int[] ctx = pathContext(tree, i, context, length);
            distribution.probabilities(rows, i * vocab, ctx, ctx.length, p[i]);
        }
        return Verification.stochastic(tree, p, rng);
    }

    /** The context a node's row continues: committed tokens, the pending one, then the node's draft path. */
    private static int[] pathContext(DraftTree tree, int node, int[] context, int length) {
        int depth = tree.depth(node);
        int[] ctx = Arrays.copyOf(context, length + depth);
        for (int u = node, d = depth; d > 0; u = tree.parents()[u], d--) ctx[length + d - 1] = tree.tokens()[u];
        return ctx;
    }

    /** Moves the K/V of accepted node v_k (slot L + v_k) to slot L + k. */
    private void compact(int[] nodes, int committed) {
        int moves = 0;
        for (int k = 0; k < nodes.length; k++) if (nodes[k] != k + 1) moves++;
        if (moves == 0) return;
        int[] from = new int[moves], to = new int[moves];
        int m = 0;
        for (int k = 0; k < nodes.length; k++) {
            if (nodes[k] == k + 1) continue;
            from[m] = committed + nodes[k];
            to[m++] = committed + k + 1;
        }
        target.backend().moveKv(cache, from, to);
    }

    private void prefill(int[] tokens, int count) {
        if (count > cache.capacity()) throw new ContextFullException(cache.capacity());
        float[] ignored = new float[0];
        for (int s = 0; s < count; s += target.maxBatch()) {
            int b = Math.min(target.maxBatch(), count - s);
            int[] chunk = Arrays.copyOfRange(tokens, s, s + b);
            int[] pos = new int[b];
            for (int i = 0; i < b; i++) pos[i] = s + i;
            target.forward(cache, chunk, pos, pos, AttentionMask.CAUSAL, new int[0], ignored);
        }
    }
}
