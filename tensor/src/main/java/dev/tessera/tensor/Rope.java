package dev.tessera.tensor;

/**
 * Rotary embedding settings. {@code dims} is how many dimensions of each head rotate;
 * {@code neox} pairs dimension {@code i} with {@code i + dims/2} (GPT-NeoX / HF rotate-half), the
 * other layout pairs adjacent dimensions {@code 2i, 2i+1} (GGUF llama, llama2.c, Meta).
 * {@code invFreq[i]} is the inverse frequency of pair {@code i} (after any scaling, e.g. Llama 3's).
 */
public record Rope(int dims, boolean neox, float[] invFreq) {
    public Rope {
        if (dims <= 0 || dims % 2 != 0) throw new IllegalArgumentException("rope dims " + dims + ": expected a positive even number");
        if (invFreq.length != dims / 2) throw new IllegalArgumentException("invFreq has " + invFreq.length + " entries, expected " + dims / 2);
    }

    /** Plain RoPE: {@code invFreq[i] = theta^(-2i/dims)}. */
    public static Rope standard(int dims, double theta, boolean neox) {
        float[] f = new float[dims / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / dims));
        return new Rope(dims, neox, f);
    }
}
