package dev.tessera.testmodels;

/**
 * What a tiny random model computes, stated independently of the runtime's own config parsing:
 * the generator writes files from it and the scalar reference runs it.
 *
 * @param arch          GGUF architecture name
 * @param neox          rotate-half RoPE pairs (HF layout, and GGUF for every family but llama)
 * @param llama3Factor  Llama 3.1 RoPE scaling factor, 0 for none (low 1, high 4, original context {@code llama3Context})
 * @param headDim       may differ from {@code dim / heads}
 * @param window        sliding window (0: none); with {@code pattern > 1}, every {@code pattern}-th layer is global
 * @param localTheta    RoPE base of sliding layers (Gemma 3), else equal to {@code theta}
 */
public record TinySpec(String arch, int dim, int hidden, int layers, int heads, int kvHeads, int headDim, int vocab,
                       int context, double theta, boolean neox, float eps, boolean qkvBias, boolean qkNorm,
                       boolean postNorms, boolean gelu, boolean tied, float embScale, float attnCap, float finalCap,
                       int window, int pattern, double localTheta, float llama3Factor, int llama3Context) {

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    public boolean sliding(int layer) { return window > 0 && (pattern <= 1 || (layer + 1) % pattern != 0); }

    /** The families the generator knows, with the sizes used in tests. */
    public static TinySpec of(String arch, boolean hf) {
        boolean neox = hf || !arch.equals("llama");
        return switch (arch) {
            case "llama" -> new TinySpec(arch, 64, 96, 2, 4, 2, 16, 300, 128, 10000, neox, 1e-5f, false, false, false,
                    false, hf, 1f, 0, 0, 0, 0, 10000, 8f, 64);
            // Mistral v0.1: Llama with a sliding window on every layer (HF only; llama.cpp's GGUF drops it)
            case "mistral" -> new TinySpec("llama", 64, 96, 2, 4, 2, 16, 300, 128, 10000, true, 1e-5f, false, false, false,
                    false, false, 1f, 0, 0, 4, 0, 10000, 0, 0);
            case "qwen2" -> new TinySpec(arch, 64, 96, 2, 4, 2, 16, 300, 128, 1e6, neox, 1e-6f, true, false, false,
                    false, hf, 1f, 0, 0, 0, 0, 1e6, 0, 0);
            case "qwen3" -> new TinySpec(arch, 64, 96, 2, 4, 2, 24, 300, 128, 1e6, neox, 1e-6f, false, true, false,
                    false, false, 1f, 0, 0, 0, 0, 1e6, 0, 0);
            case "phi3" -> new TinySpec(arch, 64, 96, 2, 4, 4, 16, 300, 128, 10000, neox, 1e-5f, false, false, false,
                    false, false, 1f, 0, 0, 0, 0, 10000, 0, 0);
            case "gemma" -> new TinySpec(arch, 64, 96, 2, 4, 1, 32, 300, 128, 10000, neox, 1e-6f, false, false, false,
                    true, true, 8f, 0, 0, 0, 0, 10000, 0, 0);
            case "gemma2" -> new TinySpec(arch, 64, 96, 2, 4, 2, 32, 300, 128, 10000, neox, 1e-6f, false, false, true,
                    true, true, 8f, 5f, 3f, 4, 2, 10000, 0, 0);
            case "gemma3" -> new TinySpec(arch, 64, 96, 3, 4, 2, 32, 300, 128, 1e6, neox, 1e-6f, false, true, true,
                    true, true, 8f, 0, 0, 4, 2, 10000, 0, 0);
            default -> throw new IllegalArgumentException("unknown tiny architecture " + arch);
        };
    }

    /** Inverse RoPE frequencies of {@code layer}'s pairs, with Llama 3.1 scaling when set (global layers only). */
    public double[] frequencies(int layer) {
        boolean local = sliding(layer);
        double[] f = plainFrequencies(local ? localTheta : theta);
        if (llama3Factor > 0 && !local) {
            double low = 1, high = 4, ctx = llama3Context;
            for (int i = 0; i < f.length; i++) {
                double wavelen = 2 * Math.PI / f[i];
                if (wavelen > ctx / low) f[i] /= llama3Factor;
                else if (wavelen >= ctx / high) {
                    double smooth = (ctx / wavelen - low) / (high - low);
                    f[i] = (1 - smooth) * f[i] / llama3Factor + smooth * f[i];
                }
            }
        }
        return f;
    }

    /** {@code theta^(-2i/headDim)}. */
    public double[] plainFrequencies(double base) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = Math.pow(base, -2.0 * i / headDim);
        return f;
    }
}
