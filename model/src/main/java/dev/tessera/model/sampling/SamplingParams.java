package dev.tessera.model.sampling;

/**
 * Sampling settings with llama.cpp's meaning and defaults. {@code temperature <= 0} is greedy;
 * {@code topK <= 0}, {@code topP >= 1}, {@code minP <= 0} and {@code typicalP >= 1} are off.
 * Penalties look at the last {@code repeatLastN} accepted tokens ({@code -1}: the whole context).
 * {@code logitBiasIds[i]} gets {@code logitBiasValues[i]} added (negative infinity bans it).
 */
public record SamplingParams(
        float temperature, int topK, float topP, float minP, float typicalP,
        float repeatPenalty, int repeatLastN, float frequencyPenalty, float presencePenalty,
        int[] logitBiasIds, float[] logitBiasValues, long seed) {

    public SamplingParams {
        if (logitBiasIds.length != logitBiasValues.length) throw new IllegalArgumentException("logit bias ids and values differ in length");
        if (repeatPenalty <= 0) throw new IllegalArgumentException("--repeat-penalty " + repeatPenalty + ": expected > 0");
        if (repeatLastN < -1) throw new IllegalArgumentException("--repeat-last-n " + repeatLastN + ": expected -1 or more");
        if (topP <= 0) throw new IllegalArgumentException("--top-p " + topP + ": expected > 0");
        if (typicalP <= 0) throw new IllegalArgumentException("--typical " + typicalP + ": expected > 0");
    }

    /** llama.cpp's defaults: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 1f, 64, 0f, 0f, new int[0], new float[0], seed);
    }

    /** Argmax, nothing else. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 1f, 64, 0f, 0f, new int[0], new float[0], 0);
    }

    public boolean isGreedy() { return temperature <= 0; }

    public boolean hasPenalties() { return repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f; }
}
