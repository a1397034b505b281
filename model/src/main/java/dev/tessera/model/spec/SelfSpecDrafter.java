package dev.tessera.model.spec;

import dev.tessera.model.LayerSkip;
import dev.tessera.model.Transformer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Self-speculation by layer skipping (SWIFT, DEL): the target drafts for itself with some attention
 * and feed-forward sub-layers left out, writing its draft K/V into the very cache slots the
 * verification pass overwrites next. Which sub-layers to skip is chosen on the fly from measured
 * throughput: every {@code window} steps the current set's tokens per second is compared with the
 * best so far, and a neighbouring set (one sub-layer flipped) is tried next — a hill climb on what
 * acceptance and cost actually are for this model and text. The first layer is never skipped, nor
 * the last one of models deep enough to spare it.
 */
public final class SelfSpecDrafter implements Drafter {
    private final Transformer target;
    private final KvCache cache;
    private final TokenDistribution distribution; // null: greedy
    private final RandomGenerator rng;
    private final AdaptiveDraftLength stopRule;
    private final float[] logits;
    private final int[] eligible; // sub-layer ids: 2·layer (attention) or 2·layer + 1 (mlp)
    private final int window;

    private LayerSkip current;
    private LayerSkip best;
    private double bestRate = -1;
    private double windowTokens, windowSeconds;
    private int windowSteps;
    private long lastStepStart;

    public SelfSpecDrafter(Transformer target, KvCache cache, TokenDistribution distribution, RandomGenerator rng,
                           AdaptiveDraftLength stopRule, int window) {
        this.target = target;
        this.cache = cache;
        this.distribution = distribution;
        this.rng = rng;
        this.stopRule = stopRule;
        this.window = window;
        this.logits = new float[target.config().vocabSize()];
        int layers = target.config().layers();
        if (layers < 2) throw new IllegalArgumentException("--spec self needs a model of at least 2 layers, this one has " + layers);
        int last = layers >= 5 ? layers - 2 : layers - 1;
        eligible = new int[2 * last];
        for (int l = 1; l <= last; l++) {
            eligible[2 * (l - 1)] = 2 * l;
            eligible[2 * (l - 1) + 1] = 2 * l + 1;
        }
        // Start by skipping the feed-forward blocks of about half the eligible layers, from the middle.
        boolean[] att = new boolean[layers], mlp = new boolean[layers];
        int skipMlp = Math.max(1, last / 2);
        int from = 1 + (last - skipMlp) / 2;
        for (int l = from; l < from + skipMlp; l++) mlp[l] = true;
        current = new LayerSkip(att, mlp);
        best = current;
    }

    @Override
    public String name() { return "self"; }

    /** The sub-layers the draft currently skips. */
    public LayerSkip skipping() { return current; }

    @Override
    public DraftTree propose(int[] context, int length, int maxDrafts) {
        lastStepStart = System.nanoTime();
        int pending = context[length - 1];
        int committed = length - 1;
        maxDrafts = Math.min(maxDrafts, Math.min(cache.capacity() - length, target.maxBatch() - 1));
        if (maxDrafts <= 0) return DraftTree.root(pending);
        int[] drafts = new int[maxDrafts];
        double[][] q = distribution == null ? null : new double[maxDrafts][];
        int[] tok = {pending}, pos = {committed}, row = {0};
        double confidence = 1;
        int n = 0;
        while (true) {
            target.forward(cache, tok, pos, pos, AttentionMask.CAUSAL, row, logits, current);
            int token;
            double top;
            if (distribution == null) {
                token = Logits.argmax(logits, 0, logits.length);
                top = Logits.topProbability(logits, 0, logits.length, token);
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
            tok[0] = token;
            pos[0] = committed + n;
        }
        int[] chosen = Arrays.copyOf(drafts, n);
        return distribution == null ? DraftTree.chain(pending, chosen) : DraftTree.sampledChain(pending, chosen, q);
    }

    @Override
    public void observe(DraftTree tree, float[] rows, int vocab, Outcome outcome) {
        if (tree.drafts() == 0) return; // a plain step says nothing about the skip set
        windowTokens += outcome.accepted() + 1;
        windowSeconds += (System.nanoTime() - lastStepStart) / 1e9;
        if (++windowSteps < window) return;
        double rate = windowTokens / windowSeconds;
        if (rate > bestRate) {
            bestRate = rate;
            best = current;
        } else {
            bestRate = 0.9 * bestRate + 0.1 * rate; // the text changes: let old records fade
        }
        current = neighbour(best);
        windowTokens = windowSeconds = 0;
        windowSteps = 0;
    }

    /** {@code s} with one eligible sub-layer flipped, never skipping nothing or everything eligible. */
    private LayerSkip neighbour(LayerSkip s) {
        boolean[] att = s.attention().clone(), mlp = s.mlp().clone();
        for (int tries = 0; tries < 16; tries++) {
            int id = eligible[rng.nextInt(eligible.length)];
            boolean[] part = (id & 1) == 0 ? att : mlp;
            part[id >> 1] = !part[id >> 1];
            LayerSkip t = new LayerSkip(att, mlp);
            if (t.count() > 0 && t.count() < eligible.length) return t;
            part[id >> 1] = !part[id >> 1];
        }
        return s;
    }
}
