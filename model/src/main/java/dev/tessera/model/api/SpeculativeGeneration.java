package dev.tessera.model.api;

import dev.tessera.model.ContextFullException;
import dev.tessera.model.Model;
import dev.tessera.model.StopMatcher;
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
import dev.tessera.tensor.KvCache;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One generation by speculative decoding into a slot's KV cache, which it fills from the start.
 * Greedy output is the same as plain decoding's; sampled output has the same distribution.
 */
final class SpeculativeGeneration {
    /** Stop a draft once its estimated chance of a rejection exceeds this (the CLI's --draft-stop default). */
    private static final double DRAFT_STOP = 0.7;
    /** Draft rounds between the adaptive draft length's probes of other lengths. */
    private static final int PROBE_EVERY = 16;

    private final Model model;
    private final Tokenizer tokenizer;
    private final KvCache cache;
    private final GenerationOptions options;
    private final SamplingParams params;
    // what the decoder has emitted so far (an instance runs one generation)
    private int[] generated = new int[64];
    private int count;
    private StopReason stop = StopReason.MAX_TOKENS;

    SpeculativeGeneration(Model model, Tokenizer tokenizer, KvCache cache, GenerationOptions options, SamplingParams params) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.cache = cache;
        this.options = options;
        this.params = params;
    }

    Completion run(int[] prompt, Consumer<String> out, BooleanSupplier cancelled, StringBuilder text) {
        if (options.speculation() != Speculation.DRAFT_MODEL) return decode(prompt, out, cancelled, text, null);
        LanguageModel draft = options.draftModel();
        return draft.guarded(() -> decode(prompt, out, cancelled, text, draft.model()));
    }

    private Completion decode(int[] prompt, Consumer<String> out, BooleanSupplier cancelled, StringBuilder text, Model draftModel) {
        int rows = options.draftMax() + 1;
        Transformer target = model.transformer(Math.max(rows, 32), rows);
        // greedy without bias or penalties is a plain argmax; otherwise verify against the sampler's own distribution
        boolean plainArgmax = params.isGreedy() && params.logitBiasIds().length == 0 && !params.hasPenalties();
        TokenDistribution dist = plainArgmax ? null : new ChainSampler(params)::probabilities;
        SplittableRandom rng = new SplittableRandom(params.seed());
        AdaptiveDraftLength policy = new AdaptiveDraftLength(options.draftMin(), options.draftMax(), PROBE_EVERY, DRAFT_STOP);
        AdaptiveDraftLength stopRule = new AdaptiveDraftLength(Math.max(1, options.draftMin()), options.draftMax(), PROBE_EVERY, DRAFT_STOP);
        KvCache draftCache = null;
        try {
            Drafter drafter = switch (options.speculation()) {
                case NGRAM -> new NgramDrafter(1, 4);
                case RECYCLE -> new RecycleDrafter(model.config().vocabSize(), 8, RecycleDrafter.defaultTemplate());
                case SELF -> new SelfSpecDrafter(target, cache, dist, rng.split(), stopRule, 8);
                case DRAFT_MODEL -> {
                    Transformer dt = draftModel.transformer(32, 1);
                    draftCache = dt.newCache(cache.capacity(), options.draftModel().loadOptions().kvType());
                    yield new DraftModelDrafter(dt, draftCache, dist, rng.split(), stopRule);
                }
                case NONE -> throw new IllegalStateException("not a speculative generation");
            };
            return decode(new SpeculativeDecoder(target, cache, drafter, policy, dist, rng), prompt, out, cancelled, text);
        } finally {
            if (draftCache != null) draftCache.close();
        }
    }

    private Completion decode(SpeculativeDecoder decoder, int[] prompt, Consumer<String> out, BooleanSupplier cancelled, StringBuilder text) {
        StreamingDecoder pieces = tokenizer.streamingDecoder();
        pieces.push(prompt[prompt.length - 1]); // so a leading space after BOS is handled as in plain decoding
        StopMatcher matcher = new StopMatcher(options.stop());
        int limit = options.maxTokens() < 0 ? cache.capacity() : options.maxTokens();
        SpecStats stats = null;
        try {
            stats = decoder.generate(prompt, limit, t -> stop != StopReason.MAX_TOKENS, t -> {
                if (count == generated.length) generated = Arrays.copyOf(generated, 2 * count);
                generated[count++] = t;
                if (tokenizer.isEndOfGeneration(t)) {
                    stop = StopReason.END_OF_TEXT;
                    return;
                }
                String s = matcher.push(pieces.push(t));
                if (!s.isEmpty()) out.accept(s);
                if (matcher.stopped()) stop = StopReason.STOP_STRING;
                else if (cancelled.getAsBoolean()) stop = StopReason.CANCELLED;
            });
        } catch (ContextFullException e) {
            stop = StopReason.CONTEXT_FULL;
        }
        if (stop != StopReason.STOP_STRING) {
            String rest = matcher.flush() + pieces.flush();
            if (!rest.isEmpty()) out.accept(rest);
        }
        long prefill = stats == null ? 0 : stats.prefillNanos(), total = stats == null ? 0 : stats.totalNanos();
        return new Completion(text.toString(), Arrays.copyOf(generated, count), stop, prompt.length, 0, prefill, total);
    }
}
