package dev.tessera.testmodels;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny random-weight model: its spec and its weights under canonical names, each as the
 * matrix the maths uses (separate Q/K/V and gate/up even where a family fuses them; norm weights
 * as the actual multiplier, i.e. {@code 1 + w} for Gemma). Writers convert to file layouts.
 */
public record TinyModel(TinySpec spec, Map<String, Matrix> weights) {
    /** Row-major {@code rows × cols} floats. */
    public record Matrix(int rows, int cols, float[] data) {
        public float at(int r, int c) { return data[r * cols + c]; }
    }

    public Matrix get(String name) {
        Matrix m = weights.get(name);
        if (m == null) throw new IllegalArgumentException("tiny model has no " + name);
        return m;
    }

    public boolean has(String name) { return weights.containsKey(name); }

    /** Random weights for {@code spec}, reproducible from {@code seed}. */
    public static TinyModel random(TinySpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Matrix> w = new LinkedHashMap<>();
        w.put("token_embd.weight", normal(r, s.vocab(), s.dim(), s.gelu() ? 0.1f : 1f));
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            w.put(p + "attn_norm.weight", norm(r, s.dim()));
            w.put(p + "attn_q.weight", normal(r, s.qDim(), s.dim(), scale(s.dim())));
            w.put(p + "attn_k.weight", normal(r, s.kvDim(), s.dim(), scale(s.dim())));
            w.put(p + "attn_v.weight", normal(r, s.kvDim(), s.dim(), scale(s.dim())));
            w.put(p + "attn_output.weight", normal(r, s.dim(), s.qDim(), scale(s.qDim())));
            if (s.qkvBias()) {
                w.put(p + "attn_q.bias", normal(r, 1, s.qDim(), 0.5f));
                w.put(p + "attn_k.bias", normal(r, 1, s.kvDim(), 0.5f));
                w.put(p + "attn_v.bias", normal(r, 1, s.kvDim(), 0.5f));
            }
            if (s.qkNorm()) {
                w.put(p + "attn_q_norm.weight", norm(r, s.headDim()));
                w.put(p + "attn_k_norm.weight", norm(r, s.headDim()));
            }
            if (s.postNorms()) {
                w.put(p + "post_attention_norm.weight", norm(r, s.dim()));
                w.put(p + "post_ffw_norm.weight", norm(r, s.dim()));
            }
            w.put(p + "ffn_norm.weight", norm(r, s.dim()));
            w.put(p + "ffn_gate.weight", normal(r, s.hidden(), s.dim(), scale(s.dim())));
            w.put(p + "ffn_up.weight", normal(r, s.hidden(), s.dim(), scale(s.dim())));
            w.put(p + "ffn_down.weight", normal(r, s.dim(), s.hidden(), scale(s.hidden())));
        }
        w.put("output_norm.weight", norm(r, s.dim()));
        if (!s.tied()) w.put("output.weight", normal(r, s.vocab(), s.dim(), scale(s.dim())));
        return new TinyModel(s, w);
    }

    private static float scale(int fanIn) { return (float) (1 / Math.sqrt(fanIn)); }

    private static Matrix normal(SplittableRandom r, int rows, int cols, float std) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) (gaussian(r) * std);
        return new Matrix(rows, cols, d);
    }

    /** Norm multipliers around 1, so activations keep their scale. */
    private static Matrix norm(SplittableRandom r, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (1 + 0.2 * gaussian(r));
        return new Matrix(1, n, d);
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
