package dev.tessera.model;

import dev.tessera.tensor.Rope;

/**
 * Rotary embedding of a model: base {@code theta}, how many dimensions of each head rotate,
 * the pair layout ({@code neox}: rotate-half as in HF weights; otherwise adjacent pairs as in
 * GGUF llama and llama2.c) and any context scaling.
 */
public record RopeConfig(double theta, int dims, boolean neox, RopeScaling scaling) {
    public RopeConfig {
        if (!(theta > 0)) throw new IllegalArgumentException("rope theta " + theta + ": expected > 0");
        if (dims <= 0 || dims % 2 != 0) throw new IllegalArgumentException("rope dims " + dims + ": expected a positive even number");
    }

    public RopeConfig withScaling(RopeScaling s) { return new RopeConfig(theta, dims, neox, s); }

    public RopeConfig withTheta(double t) { return new RopeConfig(t, dims, neox, scaling); }

    public RopeConfig withNeox(boolean n) { return new RopeConfig(theta, dims, n, scaling); }

    /** The backend's view: inverse frequencies after scaling. */
    public Rope toRope() {
        Rope plain = Rope.standard(dims, theta, neox);
        float[] f = plain.invFreq().clone();
        scaling.apply(f, dims);
        // llama.cpp's own angle arithmetic where it has one for this scaling
        Rope.Chain chain = switch (scaling) {
            case RopeScaling.None none -> new Rope.Chain((float) theta, 1f, null);
            case RopeScaling.Linear l -> new Rope.Chain((float) theta, 1f / l.factor(), null);
            case RopeScaling.FreqFactors ff -> new Rope.Chain((float) theta, 1f, ff.factors());
            case RopeScaling.Llama3 l -> null;
        };
        return new Rope(dims, neox, f, chain);
    }
}
