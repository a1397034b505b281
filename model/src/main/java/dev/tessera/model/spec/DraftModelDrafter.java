package dev.tessera.model.spec;

import dev.tessera.model.Transformer;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Drafting with a smaller model that shares the target's vocabulary (Leviathan et al.): it runs
 * autoregressively with its own KV cache, kept in step with the committed tokens by re-feeding
 * only what changed since its last proposal (rejected drafts are rolled back by truncation).
 * Greedy drafts take the draft's argmax; sampled drafts draw from its processed distribution and
 * keep it, since the acceptance test needs the exact proposal.
 *
 * <p>With {@code branching > 1} the draft is a token tree (SpecInfer/Sequoia style): the root gets
 * {@code branching} children — the draft's top tokens, or tokens sampled without replacement when
 * sampling — and each child is extended into a chain; all branches advance together, one batched
 * draft forward per depth with a tree mask.
 */
public final class DraftModelDrafter implements Drafter {
    private final Transformer draft;
    private final KvCache cache;
    private final TokenDistribution distribution; // null: greedy drafting
    private final RandomGenerator rng;
    private final AdaptiveDraftLength stopRule;
    private final int branching;
    private final float[] logits;
    private int[] fed = new int[64]; // tokens whose K/V are in the draft cache
    private int fedLength;

    /**
     * @param distribution the processed distribution for sampled drafting, or null for greedy drafts
     * @param stopRule     decides within a round when the draft's confidence is too low to go on
     */
    public DraftModelDrafter(Transformer draft, KvCache cache, TokenDistribution distribution, RandomGenerator rng,
                             AdaptiveDraftLength stopRule) {
        this(draft, cache, distribution, rng, stopRule, 1);
    }

    /** @param branching children of the root (1: a chain); {@code draft} needs that many logit rows */
    public DraftModelDrafter(Transformer draft, KvCache cache, TokenDistribution distribution, RandomGenerator rng,
                             AdaptiveDraftLength stopRule, int branching) {
        if (branching < 1) throw new IllegalArgumentException("--draft-tree branching " + branching + ": expected >= 1");
        this.branching = branching;
        this.draft = draft;
        this.cache = cache;
        this.distribution = distribution;
        this.rng = rng;
        this.stopRule = stopRule;
        this.logits = new float[draft.config().vocabSize() * branching];
    }

    /** Refuses a draft model whose vocabulary differs from the target's in size or in any token. */
    public static void checkSameVocabulary(Tokenizer target, Tokenizer draft, String draftName) {
        if (target.vocabSize() != draft.vocabSize()) {
            throw new IllegalArgumentException("--draft " + draftName + ": vocabulary of " + draft.vocabSize()
                    + " tokens, but the target has " + target.vocabSize() + "; a draft model must share the target's vocabulary");
        }
        for (int id = 0; id < target.vocabSize(); id++) {
            if (!Arrays.equals(target.pieceBytes(id), draft.pieceBytes(id))) {
                throw new IllegalArgumentException("--draft " + draftName + ": token " + id + " differs from the target's ("
                        + draft.piece(id) + " vs " + target.piece(id) + "); a draft model must share the target's vocabulary");
            }
        }
        if (target.bos() != draft.bos() || target.eos() != draft.eos()) {
            throw new IllegalArgumentException("--draft " + draftName + ": BOS/EOS ids differ from the target's");
        }
    }

    @Override
    public String name() { return "draft"; }

    @Override
    public DraftTree propose(int[] context, int length, int maxDrafts) {
        int pending = context[length - 1];
        if (maxDrafts <= 0) return DraftTree.root(pending);
        maxDrafts = Math.min(maxDrafts, cache.capacity() - length);
        if (maxDrafts <= 0) return DraftTree.root(pending);
        sync(context, length);
        if (branching > 1 && maxDrafts >= branching) return proposeTree(context, length, maxDrafts);

        int[] drafts = new int[maxDrafts];
        double[][] q = distribution == null ? null : new double[maxDrafts][];
        double confidence = 1;
        int n = 0;
        while (true) {
            int token;
            double top;
            if (distribution == null) {
                int vocab = logits.length / branching;
                token = Logits.argmax(logits, 0, vocab);
                top = Logits.topProbability(logits, 0, vocab, token);
            } else {
                double[] dist = new double[logits.length / branching];
                int[] ctx = Arrays.copyOf(context, length + n);
                System.arraycopy(drafts, 0, ctx, length, n);
                distribution.probabilities(logits, 0, ctx, ctx.length, dist);
                token = Verification.sample(dist, rng);
                top = 0;
                for (double x : dist) top = Math.max(top, x);
                q[n] = dist;
            }
            drafts[n++] = token;
            confidence *= top;
            if (n >= maxDrafts || !stopRule.keepDrafting(n, confidence)) break;
            feed(drafts, n - 1, 1);
        }
        int[] chosen = Arrays.copyOf(drafts, n);
        return distribution == null ? DraftTree.chain(pending, chosen) : DraftTree.sampledChain(pending, chosen, q);
    }

    /**
     * Keeps the cached prefix shared with the context and feeds the rest, ending with the pending
     * token, whose logits then start the draft. Does nothing when already in step.
     */
    @Override
    public void sync(int[] context, int length) {
        if (length > cache.capacity()) return; // propose() drafts nothing then
        int common = 0;
        int limit = Math.min(fedLength, length);
        while (common < limit && fed[common] == context[common]) common++;
        if (common == length && fedLength == length) return; // in step: the logits after the pending token are current
        common = Math.min(common, length - 1); // else the pending token is fed (again), for its logits
        fedLength = common;
        feed(context, common, length - common);
    }

    /**
     * The root's children, then one chain below each, grown a level at a time: all branches are fed
     * together at slots after the pending token with a tree mask, so the draft cache keeps only the
     * committed tokens and the pending one in {@link #fed}.
     */
    private DraftTree proposeTree(int[] context, int length, int maxDrafts) {
        int vocab = draft.config().vocabSize();
        int b = branching;
        int depth = Math.max(1, maxDrafts / b);
        int nodes = 1 + b * depth;
        int[] tokens = new int[nodes];
        int[] parents = new int[nodes];
        double[][] proposal = new double[nodes][];
        tokens[0] = context[length - 1];
        parents[0] = -1;
        // Level 1: b distinct children of the root from the logits after the pending token.
        double[] rootDist = distribution == null ? null : new double[vocab];
        if (distribution == null) {
            int[] top = topTokens(logits, 0, vocab, b);
            for (int i = 0; i < b; i++) tokens[1 + i] = top[i];
        } else {
            distribution.probabilities(logits, 0, context, length, rootDist);
            int[] picks = sampleWithoutReplacement(rootDist, b);
            for (int i = 0; i < b; i++) tokens[1 + i] = picks[i];
            proposal[0] = rootDist;
        }
        for (int i = 0; i < b; i++) parents[1 + i] = 0;
        // Deeper levels: node (level d, branch i) = 1 + (d-1)·b + i; its parent is the same branch one level up.
        int base = fedLength; // slot of the first tree node
        for (int d = 1; d < depth; d++) {
            int first = 1 + (d - 1) * b;
            int[] batch = java.util.Arrays.copyOfRange(tokens, first, first + b);
            int[] pos = new int[b], slots = new int[b], rows = new int[b];
            boolean[][] visible = new boolean[(d) * b][(d) * b];
            // Tree entries are the nodes of levels 1..d in order; each sees its own branch's ancestors.
            for (int e = 0; e < d * b; e++) for (int f = 0; f <= e; f++) visible[e][f] = f % b == e % b;
            boolean[][] rowsVisible = new boolean[b][];
            for (int i = 0; i < b; i++) {
                pos[i] = length - 1 + d;
                slots[i] = base + (d - 1) * b + i;
                rows[i] = i;
                rowsVisible[i] = visible[(d - 1) * b + i];
            }
            draft.forward(cache, batch, pos, slots, new dev.tessera.tensor.AttentionMask.Tree(base, rowsVisible), rows, logits);
            for (int i = 0; i < b; i++) {
                int node = first + b + i;
                int parent = first + i;
                parents[node] = parent;
                if (distribution == null) {
                    tokens[node] = Logits.argmax(logits, i * vocab, vocab);
                } else {
                    double[] dist = new double[vocab];
                    int[] ctx = pathContext(context, length, tokens, parents, parent);
                    distribution.probabilities(logits, i * vocab, ctx, ctx.length, dist);
                    tokens[node] = Verification.sample(dist, rng);
                    proposal[parent] = dist;
                }
            }
        }
        return new DraftTree(tokens, parents, proposal,
                distribution == null ? CandidateMode.DETERMINISTIC : CandidateMode.WITHOUT_REPLACEMENT);
    }

    private static int[] pathContext(int[] context, int length, int[] tokens, int[] parents, int node) {
        int d = 0;
        for (int u = node; parents[u] >= 0; u = parents[u]) d++;
        int[] ctx = java.util.Arrays.copyOf(context, length + d);
        for (int u = node, i = d; i > 0; u = parents[u], i--) ctx[length + i - 1] = tokens[u];
        return ctx;
    }

    private int[] sampleWithoutReplacement(double[] dist, int k) {
        double[] w = dist.clone();
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            double z = 0;
            for (double x : w) z += x;
            if (z <= 0) { // fewer than k tokens have mass: repeat the last one (never accepted twice)
                out[i] = out[i - 1];
                continue;
            }
            for (int j = 0; j < w.length; j++) w[j] /= z;
            out[i] = Verification.sample(w, rng);
            w[out[i]] = 0;
        }
        return out;
    }

    private static int[] topTokens(float[] x, int off, int n, int k) {
        int[] best = new int[k];
        java.util.Arrays.fill(best, -1);
        for (int v = 0; v < n; v++) {
            int pos = k;
            while (pos > 0 && (best[pos - 1] < 0 || x[off + best[pos - 1]] < x[off + v])) pos--;
            if (pos >= k) continue;
            System.arraycopy(best, pos, best, pos + 1, k - pos - 1);
            best[pos] = v;
        }
        return best;
    }

    /** Evaluates {@code tokens[from, from + count)} at the next positions of the draft cache. */
    private void feed(int[] tokens, int from, int count) {
        for (int start = 0; start < count; start += draft.maxBatch()) {
            int b = Math.min(draft.maxBatch(), count - start);
            int[] chunk = Arrays.copyOfRange(tokens, from + start, from + start + b);
            int[] pos = new int[b];
            for (int i = 0; i < b; i++) pos[i] = fedLength + i;
            int[] rows = start + b == count ? new int[] {b - 1} : new int[0];
            draft.forward(cache, chunk, pos, pos, AttentionMask.CAUSAL, rows, logits);
            if (fedLength + b > fed.length) fed = Arrays.copyOf(fed, Math.max(fed.length * 2, fedLength + b));
            System.arraycopy(chunk, 0, fed, fedLength, b);
            fedLength += b;
        }
    }
}
