package dev.tessera.tensor;

/**
 * Rotary embedding settings. {@code dims} is how many dimensions of each head rotate;
 * {@code neox} pairs dimension {@code i} with {@code i + dims/2} (GPT-NeoX / HF rotate-half), the
 * other layout pairs adjacent dimensions {@code 2i, 2i+1} (GGUF llama, llama2.c, Meta).
 * {@code invFreq[i]} is the inverse frequency of pair {@code i} (after any scaling, e.g. Llama 3's).
 * {@code chain}, where known, says how llama.cpp forms the same angles in float, so that a backend
 * can reproduce them bit for bit; null when only the table is known.
 */
public record Rope(int dims, boolean neox, float[] invFreq, Chain chain) {
    public Rope {
        if (dims <= 0 || dims % 2 != 0) throw new IllegalArgumentException("rope dims " + dims + ": expected a positive even number");
        if (invFreq.length != dims / 2) throw new IllegalArgumentException("invFreq has " + invFreq.length + " entries, expected " + dims / 2);
        if (chain != null && chain.factors() != null && chain.factors().length != dims / 2) {
            throw new IllegalArgumentException("rope factors: " + chain.factors().length + " entries, expected " + dims / 2);
        }
    }

    /** Angles known only as a table of inverse frequencies. */
    public Rope(int dims, boolean neox, float[] invFreq) {
        this(dims, neox, invFreq, null);
    }

    /**
     * llama.cpp's float angles: for position {@code p} and pair {@code i},
     * {@code freqScale·(θ_i / factors[i])} with {@code θ_0 = p}, {@code θ_{i+1} = θ_i·base^(−2/dims)}
     * ({@code factors} null: none).
     */
    public record Chain(float base, float freqScale, float[] factors) {}

    /** Plain RoPE: {@code invFreq[i] = theta^(-2i/dims)}. */
    public static Rope standard(int dims, double theta, boolean neox) {
        float[] f = new float[dims / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / dims));
        return new Rope(dims, neox, f, new Chain((float) theta, 1f, null));
    }
}
