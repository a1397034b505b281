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
 */
public final class DraftModelDrafter implements Drafter {
    private final Transformer draft;
    private final KvCache cache;
    private final TokenDistribution distribution; // null: greedy drafting
    private final RandomGenerator rng;
    private final AdaptiveDraftLength stopRule;
    private final float[] logits;
    private int[] fed = new int[64]; // tokens whose K/V are in the draft cache
    private int fedLength;

    /**
     * @param distribution the processed distribution for sampled drafting, or null for greedy drafts
     * @param stopRule     decides within a round when the draft's confidence is too low to go on
     */
    public DraftModelDrafter(Transformer draft, KvCache cache, TokenDistribution distribution, RandomGenerator rng,
                             AdaptiveDraftLength stopRule) {
        this.draft = draft;
        this.cache = cache;
        this.distribution = distribution;
        this.rng = rng;
        this.stopRule = stopRule;
        this.logits = new float[draft.config().vocabSize()];
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
        // Keep the cached prefix shared with the context; feed the rest, ending with the pending token.
        int common = 0;
        int limit = Math.min(fedLength, length - 1);
        while (common < limit && fed[common] == context[common]) common++;
        fedLength = common;
        feed(context, common, length - common);

        int[] drafts = new int[maxDrafts];
        double[][] q = distribution == null ? null : new double[maxDrafts][];
        double confidence = 1;
        int n = 0;
        while (true) {
            int token;
            double top;
            if (distribution == null) {
                token = argmax(logits);
                top = softmaxTop(logits);
            } else {
                double[] dist = new double[logits.length];
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

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Probability of the most likely token under softmax(x). */
    private static double softmaxTop(float[] x) {
        float max = x[argmax(x)];
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        return 1 / sum;
    }
}
