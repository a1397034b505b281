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
        long prefilled = System.nanoTime();

        int steps = 0, generated = 0;
        long drafted = 0, accepted = 0, draftNanos = 0, verifyNanos = 0;
        boolean done = false;
        while (!done && generated < maxTokens) {
            int room = Math.min(cache.capacity() - committed - 1, target.maxBatch() - 1);
            if (room < 0) throw new ContextFullException(cache.capacity());
            int gamma = Math.min(policy.next(), room);
            long t0 = System.nanoTime();
            DraftTree tree = drafter.propose(context, length, gamma);
            if (tree.drafts() > room) throw new IllegalStateException(drafter.name() + " proposed " + tree.drafts() + " drafts, at most " + room + " fit");
            long t1 = System.nanoTime();
            Outcome outcome = verify(tree, committed, context, length);
            long t2 = System.nanoTime();

            compact(outcome.acceptedNodes(), committed);
            committed += 1 + outcome.accepted();
            drafter.observe(tree, rows, vocab, outcome);
            steps++;
            drafted += tree.drafts();
            accepted += outcome.accepted();
            draftNanos += t1 - t0;
            verifyNanos += t2 - t1;
            policy.record(chainLength(tree, outcome), outcome.accepted(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, tree.size());

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
        return new SpecStats(drafter.name(), steps, drafted, accepted, generated, draftNanos, verifyNanos, prefilled - start,
                System.nanoTime() - prefilled);
    }

    /** Evaluates the tree at slots {@code committed..} and applies the acceptance rule. */
    private Outcome verify(DraftTree tree, int committed, int[] context, int length) {
        int n = tree.size();
        int[] slots = new int[n];
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            slots[i] = committed + i;
            all[i] = i;
        }
        AttentionMask mask = tree.isChain() ? AttentionMask.CAUSAL : new AttentionMask.Tree(committed, tree.visibility());
        target.forward(cache, tree.tokens(), tree.positions(committed), slots, mask, all, rows);
        if (distribution == null) {
            int[] argmax = new int[n];
            for (int i = 0; i < n; i++) argmax[i] = argmax(rows, i * vocab, vocab);
            return Verification.greedy(tree, argmax);
        }
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

    /** Drafts on the path the verifier walked (for a chain: all of them). */
    private static int chainLength(DraftTree tree, Outcome outcome) {
        if (tree.isChain()) return tree.drafts();
        int max = 0;
        for (int i = 1; i < tree.size(); i++) max = Math.max(max, tree.depth(i));
        return Math.min(max, outcome.accepted() + 1);
    }

    private static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bv) {
                bv = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
