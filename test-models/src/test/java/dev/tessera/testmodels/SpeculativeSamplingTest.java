package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.Transformer;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.spec.AdaptiveDraftLength;
import dev.tessera.model.spec.DraftModelDrafter;
import dev.tessera.model.spec.Drafter;
import dev.tessera.model.spec.RecycleDrafter;
import dev.tessera.model.spec.SpeculativeDecoder;
import dev.tessera.model.spec.TokenDistribution;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative sampling must leave the target's output distribution unchanged (speculative-decoding.md
 * §9, end-to-end 2): on a tiny random target, with top-k keeping a handful of candidates per position,
 * the joint distribution of the first two sampled tokens is computed exactly from the target's
 * processed distributions, and tokens sampled
 * speculatively — chains from a different random draft model, draft trees sampled without
 * replacement, and deterministic Token Recycling trees — must fit it (chi-square, p > 0.001).
 */
class SpeculativeSamplingTest {
    private static final int V = TinySpec.of("llama", false).vocab();
    private static final int TRIALS = 5_000;
    private static final int[] PROMPT = {1, 5, 2};

    @TempDir
    Path tmp;

    /** A tiny Llama with a flat-ish output so several tokens per position carry real mass. */
    private static TinySpec tinyLlama() {
        TinySpec s = TinySpec.of("llama", false);
        return new TinySpec(s.arch(), s.dim(), s.hidden(), s.layers(), s.heads(), s.kvHeads(), s.headDim(), s.vocab(), s.context(), s.theta(),
                s.neox(), s.eps(), s.qkvBias(), s.qkNorm(), s.postNorms(), s.gelu(), s.tied(), s.embScale(), s.attnCap(), s.finalCap(),
                s.window(), s.pattern(), s.localTheta(), 0f, 0);
    }

    @Test
    void chainsTreesAndDeterministicDraftsKeepTheTargetDistribution() throws Exception {
        Path targetFile = tmp.resolve("target.gguf");
        Path draftFile = tmp.resolve("draft.gguf");
        TinyModelWriter.writeGguf(TinyModel.random(tinyLlama(), 1), targetFile);
        TinyModelWriter.writeGguf(TinyModel.random(tinyLlama(), 2), draftFile);
        SamplingParams[] settings = {
            new SamplingParams(1f, 4, 1f, 0f, 1f, 1f, 64, 0f, 0f, new int[0], new float[0], 3),
            new SamplingParams(0.7f, 6, 0.95f, 0.02f, 1f, 1.3f, 64, 0f, 0f, new int[0], new float[0], 3),
        };
        try (CpuBackend be = new CpuBackend(1); Model target = Model.open(targetFile, be); Model draft = Model.open(draftFile, be)) {
            for (SamplingParams sp : settings) {
                ChainSampler sampler = new ChainSampler(sp);
                TokenDistribution dist = sampler::probabilities;
                double[] exact = exactJoint(target.transformer(8, 1), dist);
                assertTrue(Arrays.stream(exact).filter(x -> x > 0).count() >= 12, "the test needs a spread-out distribution");
                check(target, exact, dist, c -> new DraftModelDrafter(draft.transformer(8, 1), c, dist, new SplittableRandom(5),
                        new AdaptiveDraftLength(3, 3, 1, 2.0)), 3, "chain " + sp);
                check(target, exact, dist, c -> new DraftModelDrafter(draft.transformer(8, 2), c, dist, new SplittableRandom(6),
                        new AdaptiveDraftLength(4, 4, 1, 2.0), 2), 4, "tree " + sp);
                check(target, exact, dist, c -> new RecycleDrafter(V, 8, RecycleDrafter.defaultTemplate()), 6, "recycle " + sp);
            }
        }
    }

    /** P(first two tokens = a, b) from the target's processed distributions. */
    private static double[] exactJoint(Transformer t, TokenDistribution dist) {
        double[] joint = new double[V * V];
        float[] logits = new float[V];
        double[] p0 = new double[V];
        try (KvCache cache = t.newCache(16, TensorType.F32)) {
            int[] pos = {0, 1, 2};
            t.forward(cache, PROMPT, pos, pos, AttentionMask.CAUSAL, new int[] {2}, logits);
            dist.probabilities(logits, 0, PROMPT, PROMPT.length, p0);
            for (int a = 0; a < V; a++) {
                if (p0[a] == 0) continue;
                t.forward(cache, new int[] {a}, new int[] {3}, new int[] {3}, AttentionMask.CAUSAL, new int[] {0}, logits);
                int[] ctx = {PROMPT[0], PROMPT[1], PROMPT[2], a};
                double[] p1 = new double[V];
                dist.probabilities(logits, 0, ctx, ctx.length, p1);
                for (int b = 0; b < V; b++) joint[a * V + b] = p0[a] * p1[b];
            }
        }
        return joint;
    }

    private static void check(Model target, double[] exact, TokenDistribution dist, Function<KvCache, Drafter> drafter, int gamma, String what) {
        Transformer t = target.transformer(32, 32);
        long[] counts = new long[V * V];
        SplittableRandom rng = new SplittableRandom(11);
        try (KvCache cache = t.newCache(32, TensorType.F32); KvCache draftCache = target.transformer(8, 1).newCache(32, TensorType.F32)) {
            Drafter d = drafter.apply(draftCache);
            SpeculativeDecoder dec = new SpeculativeDecoder(t, cache, d, new AdaptiveDraftLength(gamma, gamma, 1, 2.0), dist, rng);
            int[] out = new int[2];
            for (int trial = 0; trial < TRIALS; trial++) {
                int[] n = {0};
                dec.generate(PROMPT, 2, x -> false, x -> out[n[0]++] = x);
                counts[out[0] * V + out[1]]++;
            }
        }
        double chi2 = 0;
        int cells = 0;
        double pooledExpected = 0;
        long pooledCount = 0;
        for (int i = 0; i < exact.length; i++) {
            if (exact[i] == 0) {
                assertEquals(0, counts[i], what + ": a pair with probability 0 was sampled");
                continue;
            }
            double e = exact[i] * TRIALS;
            if (e < 5) { // rare pairs are pooled so every cell the test uses expects at least 5 counts
                pooledExpected += e;
                pooledCount += counts[i];
                continue;
            }
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            cells++;
        }
        if (pooledExpected > 0) {
            chi2 += (pooledCount - pooledExpected) * (pooledCount - pooledExpected) / pooledExpected;
            cells++;
        }
        double pValue = ChiSquare.survival(chi2, cells - 1);
        assertTrue(pValue > 0.001, what + ": chi-square " + chi2 + " on " + (cells - 1) + " degrees of freedom, p = " + pValue
                + "\nexpected " + Arrays.toString(exact) + "\ncounts " + Arrays.toString(counts));
    }
}
