package dev.tessera.cli;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.ContextFullException;
import dev.tessera.model.Generator;
import dev.tessera.model.Model;
import dev.tessera.model.StopMatcher;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.Transformer;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.spec.AdaptiveDraftLength;
import dev.tessera.model.spec.DraftModelDrafter;
import dev.tessera.model.spec.Drafter;
import dev.tessera.model.spec.NgramDrafter;
import dev.tessera.model.spec.RecycleDrafter;
import dev.tessera.model.spec.SelfSpecDrafter;
import dev.tessera.model.spec.SpecStats;
import dev.tessera.model.spec.SpeculativeDecoder;
import dev.tessera.model.spec.TokenDistribution;
import dev.tessera.model.tokenizer.StreamingDecoder;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** {@code run} with a drafter: streams the text of speculative decoding and reports how it went. */
final class SpeculativeRun {
    private SpeculativeRun() {}

    /** What one run printed and measured. */
    record Outcome(SpecStats stats, int[] generated, boolean contextFull) {}

    static Outcome run(ModelOptions.Loaded l, SpecOptions spec, SamplingParams params, int[] prompt, int maxTokens, List<String> stops,
                       PrintStream out, PrintStream err, boolean quiet) {
        String kind = spec.drafter();
        Tokenizer tok = l.tokenizer();
        int rows = spec.draftMax + 1;
        Transformer target = l.model().transformer(Math.max(rows, 32), rows);
        KvCache cache = l.session().cache();
        ChainSampler sampler = new ChainSampler(params);
        TokenDistribution dist = params.isGreedy() ? null : sampler::probabilities;
        SplittableRandom rng = new SplittableRandom(params.seed());
        AdaptiveDraftLength policy = new AdaptiveDraftLength(spec.draftMin, spec.draftMax, 16, spec.draftStop);
        AdaptiveDraftLength stopRule = new AdaptiveDraftLength(Math.max(1, spec.draftMin), spec.draftMax, 16, spec.draftStop);
        Model draftModel = null;
        KvCache draftCache = null;
        Backend draftBackend = null;
        try {
            Drafter drafter = switch (kind) {
                case "ngram" -> new NgramDrafter(1, 4);
                case "recycle" -> new RecycleDrafter(l.model().config().vocabSize(), 8, RecycleDrafter.defaultTemplate());
                case "self" -> new SelfSpecDrafter(target, cache, dist, rng.split(), stopRule, 8);
                default -> {
                    draftBackend = draftBackend(l.backend());
                    draftModel = Model.open(spec.draft, draftBackend == null ? l.backend() : draftBackend);
                    DraftModelDrafter.checkSameVocabulary(tok, TokenizerLocator.locate(spec.draft, null), spec.draft.toString());
                    Transformer dt = draftModel.transformer(Math.max(32, spec.tree), spec.tree);
                    draftCache = dt.newCache(cache.capacity(), TensorType.F32);
                    yield new DraftModelDrafter(dt, draftCache, dist, rng.split(), stopRule, spec.tree);
                }
            };
            SpeculativeDecoder dec = new SpeculativeDecoder(target, cache, drafter, policy, dist, rng);
            StreamingDecoder text = tok.streamingDecoder();
            text.push(prompt[prompt.length - 1]);
            StopMatcher matcher = new StopMatcher(stops);
            int[] generated = new int[Math.max(16, maxTokens < 0 ? 4096 : maxTokens)];
            int[] n = {0};
            boolean[] stopped = {false};
            SpecStats stats;
            boolean full = false;
            int limit = maxTokens < 0 ? cache.capacity() : maxTokens;
            try {
                stats = dec.generate(prompt, limit, t -> tok.isEndOfGeneration(t) || stopped[0], t -> {
                    if (n[0] == generated.length) return;
                    generated[n[0]++] = t;
                    if (stopped[0] || tok.isEndOfGeneration(t)) return;
                    String s = matcher.push(text.push(t));
                    if (!quiet && !s.isEmpty()) {
                        out.print(s);
                        out.flush();
                    }
                    if (matcher.stopped()) stopped[0] = true;
                });
            } catch (ContextFullException e) {
                full = true;
                stats = null;
            }
            if (!quiet && !stopped[0]) out.print(matcher.flush() + text.flush());
            return new Outcome(stats, java.util.Arrays.copyOf(generated, n[0]), full);
        } finally {
            if (draftCache != null) draftCache.close();
            if (draftModel != null) draftModel.close();
            if (draftBackend != null) draftBackend.close();
        }
    }

    /**
     * On the CPU a draft model runs on a backend of its own with one thread (null: share the
     * target's): its matrices are too small to split, and handing each of its many small kernels to a
     * second thread costs more than it saves (stories260K: 0.10 ms a token on one thread, 0.11 on two
     * at best, and far more when the cores are busy).
     */
    static Backend draftBackend(Backend target) {
        return target instanceof CpuBackend cpu && cpu.threads() > 1 ? new CpuBackend(1) : null;
    }

    /** The human-readable report printed to stderr after a speculative run. */
    static void report(PrintStream err, SpecStats s, double plainTps) {
        err.printf(Locale.ROOT, "speculative (%s): %d of %d drafts accepted (%.1f%%), %.2f accepted per verification, %.1f drafts/s, %.2f tok/s%n",
                s.drafter(), s.accepted(), s.drafted(), 100 * s.acceptRate(), s.meanAccepted(), s.draftsPerSecond(), s.tokensPerSecond());
        if (plainTps > 0) {
            err.printf(Locale.ROOT, "speedup vs plain decoding: %.2fx (%.2f vs %.2f tok/s)%n", s.tokensPerSecond() / plainTps,
                    s.tokensPerSecond(), plainTps);
        }
    }

    /** Plain generation of the same prompt for {@code --spec-compare}: generation tok/s. */
    static double plainTokensPerSecond(ModelOptions.Loaded l, SamplingParams params, int[] prompt, int maxTokens) {
        l.session().rollback(0);
        Generator g = new Generator(l.session(), l.tokenizer(), new ChainSampler(params));
        Generator.Result r = g.generate(prompt, maxTokens, List.of(), s -> {}, () -> false);
        l.session().rollback(0);
        return r.genTokensPerSecond();
    }
}
