package dev.tessera.model.api;

import dev.tessera.model.sampling.SamplingParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that decides how one generation picks its tokens, with llama.cpp's meanings and
 * defaults: the sampler chain (logit bias, penalties over the last {@code repeatLastN} tokens,
 * top-k, typical-p, top-p, min-p, temperature), the seed, stop strings, the token limit and
 * speculative decoding. Build one with {@link #builder()}; an instance can serve any number of
 * generations at once.
 *
 * @param maxTokens        most tokens to generate; -1: until end of text or a full context
 * @param temperature      0 (or less) is greedy: always the most likely token
 * @param topK             keep the k most likely tokens; 0: off
 * @param topP             keep the smallest set of tokens whose probability reaches p; 1: off
 * @param minP             drop tokens less likely than minP × the most likely one; 0: off
 * @param typicalP         locally typical sampling; 1: off
 * @param repeatPenalty    divides the logits of recent tokens (multiplies negative ones); 1: off
 * @param repeatLastN      how many recent tokens the penalties look at; -1: the whole context
 * @param frequencyPenalty subtracted per occurrence of a recent token
 * @param presencePenalty  subtracted once from every recent token
 * @param logitBias        added to the logits of these token ids (negative infinity bans a token)
 * @param seed             the sampler's seed, or null for a fresh random one per generation
 * @param stop             generation ends before the first of these strings that appears
 * @param speculation      the drafter for speculative decoding; {@link Speculation#NONE} is plain decoding
 * @param draftModel       the draft model for {@link Speculation#DRAFT_MODEL}, else null
 * @param draftMin         fewest tokens drafted per step (0 lets the adaptive rule fall back to plain decoding)
 * @param draftMax         most tokens drafted per step
 */
public record GenerationOptions(int maxTokens, float temperature, int topK, float topP, float minP, float typicalP,
                                float repeatPenalty, int repeatLastN, float frequencyPenalty, float presencePenalty,
                                Map<Integer, Float> logitBias, Long seed, List<String> stop,
                                Speculation speculation, LanguageModel draftModel, int draftMin, int draftMax) {
    public GenerationOptions {
        logitBias = Map.copyOf(logitBias);
        stop = List.copyOf(stop);
        Objects.requireNonNull(speculation, "speculation");
        if (maxTokens < -1) throw bad("maxTokens", maxTokens, "-1 or more");
        if (Float.isNaN(temperature)) throw bad("temperature", temperature, "a number");
        if (topK < 0) throw bad("topK", topK, "0 or more");
        if (!(topP > 0 && topP <= 1)) throw bad("topP", topP, "in (0, 1]");
        if (!(minP >= 0 && minP <= 1)) throw bad("minP", minP, "in [0, 1]");
        if (!(typicalP > 0 && typicalP <= 1)) throw bad("typicalP", typicalP, "in (0, 1]");
        if (!(repeatPenalty > 0)) throw bad("repeatPenalty", repeatPenalty, "> 0");
        if (repeatLastN < -1) throw bad("repeatLastN", repeatLastN, "-1 or more");
        if (!Float.isFinite(frequencyPenalty)) throw bad("frequencyPenalty", frequencyPenalty, "a finite number");
        if (!Float.isFinite(presencePenalty)) throw bad("presencePenalty", presencePenalty, "a finite number");
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            if (e.getKey() < 0) throw bad("logitBias token", e.getKey(), "a token id >= 0");
            if (e.getValue().isNaN()) throw bad("logitBias of token " + e.getKey(), e.getValue(), "a number");
        }
        for (String s : stop) if (s.isEmpty()) throw bad("stop", "\"\"", "non-empty strings");
        if ((speculation == Speculation.DRAFT_MODEL) != (draftModel != null)) {
            throw new IllegalArgumentException("draftModel: expected one exactly when speculation is DRAFT_MODEL (speculation is " + speculation + ")");
        }
        if (draftMin < 0 || draftMax < Math.max(1, draftMin) || draftMax > 64) {
            throw new IllegalArgumentException("draftMin " + draftMin + " / draftMax " + draftMax + ": expected 0 <= draftMin <= draftMax, 1 <= draftMax <= 64");
        }
    }

    /** llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05), at most 256 tokens, no speculation. */
    public static GenerationOptions defaults() { return builder().build(); }

    public static Builder builder() { return new Builder(); }

    /** A builder starting from these options. */
    public Builder toBuilder() { return new Builder(this); }

    public boolean isGreedy() { return temperature <= 0; }

    /** The sampler settings with {@code seed} standing in for a null {@link #seed()}. */
    SamplingParams samplingParams(long randomSeed) {
        int[] ids = new int[logitBias.size()];
        float[] values = new float[ids.length];
        int i = 0;
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            ids[i] = e.getKey();
            values[i++] = e.getValue();
        }
        return new SamplingParams(temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty,
                ids, values, seed != null ? seed : randomSeed);
    }

    private static IllegalArgumentException bad(String field, Object value, String expected) {
        return new IllegalArgumentException(field + " " + value + ": expected " + expected);
    }

    /** Builds {@link GenerationOptions}; unset fields keep their defaults. */
    public static final class Builder {
        private int maxTokens = 256;
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float typicalP = 1f;
        private float repeatPenalty = 1f;
        private int repeatLastN = 64;
        private float frequencyPenalty;
        private float presencePenalty;
        private final Map<Integer, Float> logitBias = new LinkedHashMap<>();
        private Long seed;
        private List<String> stop = List.of();
        private Speculation speculation = Speculation.NONE;
        private LanguageModel draftModel;
        private int draftMin = 0;
        private int draftMax = 8;

        private Builder() {}

        private Builder(GenerationOptions o) {
            maxTokens = o.maxTokens;
            temperature = o.temperature;
            topK = o.topK;
            topP = o.topP;
            minP = o.minP;
            typicalP = o.typicalP;
            repeatPenalty = o.repeatPenalty;
            repeatLastN = o.repeatLastN;
            frequencyPenalty = o.frequencyPenalty;
            presencePenalty = o.presencePenalty;
            logitBias.putAll(o.logitBias);
            seed = o.seed;
            stop = o.stop;
            speculation = o.speculation;
            draftModel = o.draftModel;
            draftMin = o.draftMin;
            draftMax = o.draftMax;
        }

        public Builder maxTokens(int n) { maxTokens = n; return this; }

        public Builder temperature(float t) { temperature = t; return this; }

        /** Temperature 0: always the most likely token (penalties and logit bias still apply). */
        public Builder greedy() { temperature = 0; return this; }

        public Builder topK(int k) { topK = k; return this; }

        public Builder topP(float p) { topP = p; return this; }

        public Builder minP(float p) { minP = p; return this; }

        public Builder typicalP(float p) { typicalP = p; return this; }

        public Builder repeatPenalty(float p) { repeatPenalty = p; return this; }

        /** How many recent tokens the repeat, frequency and presence penalties look at; -1: all. */
        public Builder repeatLastN(int n) { repeatLastN = n; return this; }

        public Builder frequencyPenalty(float p) { frequencyPenalty = p; return this; }

        public Builder presencePenalty(float p) { presencePenalty = p; return this; }

        /** Adds {@code bias} to token {@code id}'s logit; {@link Float#NEGATIVE_INFINITY} bans it. */
        public Builder logitBias(int id, float bias) { logitBias.put(id, bias); return this; }

        public Builder seed(long s) { seed = s; return this; }

        public Builder stop(String... strings) { stop = List.of(strings); return this; }

        public Builder stop(List<String> strings) { stop = List.copyOf(strings); return this; }

        /** A drafter that needs no second model: NGRAM, RECYCLE or SELF (or NONE). */
        public Builder speculation(Speculation s) {
            speculation = s;
            if (s != Speculation.DRAFT_MODEL) draftModel = null;
            return this;
        }

        /** Speculative decoding with {@code draft}, a smaller model with the same vocabulary. */
        public Builder draftModel(LanguageModel draft) {
            draftModel = Objects.requireNonNull(draft, "draft");
            speculation = Speculation.DRAFT_MODEL;
            return this;
        }

        public Builder draftMin(int n) { draftMin = n; return this; }

        public Builder draftMax(int n) { draftMax = n; return this; }

        public GenerationOptions build() {
            return new GenerationOptions(maxTokens, temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                    presencePenalty, logitBias, seed, stop, speculation, draftModel, draftMin, draftMax);
        }
    }
}
