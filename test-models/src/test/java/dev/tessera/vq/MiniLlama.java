package dev.tessera.vq;

import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A small, self-contained F32 Llama forward pass (token by token, KV cache) over row-major
 * dense matrices, for quantization experiments: weights can be swapped for dequantized copies,
 * and every linear layer's input second moment {@code E[x xᵀ]} can be recorded (calibration).
 * Test scope only; checked against llama.cpp's greedy output of distill3M.
 */
final class MiniLlama {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    record Config(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, float eps, float theta) {
        int headDim() { return dim / heads; }
    }

    /** Accumulates {@code Σ x xᵀ} and the sample count for one matrix input. */
    static final class Gram {
        final int n;
        final double[] sum;
        long count;

        Gram(int n) {
            this.n = n;
            this.sum = new double[n * n];
        }

        void add(float[] x) {
            for (int i = 0; i < n; i++) {
                double xi = x[i];
                for (int j = 0; j <= i; j++) sum[i * n + j] += xi * x[j];
            }
            count++;
        }

        /** E[x xᵀ], symmetric. */
        double[] mean() {
            double[] m = new double[n * n];
            for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = sum[i * n + j] / count;
            return m;
        }
    }

    final Config c;
    final Map<String, float[]> w;
    private final float[][] kCache, vCache;
    private final int capacity;
    /**
     * When set, receives {@code Σ x xᵀ} of every linear layer's input, keyed by the first matrix
     * that reads it (attn_q for q/k/v, ffn_gate for gate/up); see {@link #inputOf}.
     */
    Map<String, Gram> recorder;
    private float[] lastRecorded;

    /** The recorder key holding the input statistics of matrix {@code name}. */
    static String inputOf(String name) {
        return name.replace("attn_k.", "attn_q.").replace("attn_v.", "attn_q.").replace("ffn_up.", "ffn_gate.");
    }

    MiniLlama(Config c, Map<String, float[]> weights, int capacity) {
        this.c = c;
        this.w = new HashMap<>(weights);
        this.capacity = capacity;
        int kvDim = c.kvHeads() * c.headDim();
        this.kCache = new float[c.layers()][capacity * kvDim];
        this.vCache = new float[c.layers()][capacity * kvDim];
    }

    private void record(String name, float[] x) {
        if (recorder != null) recorder.computeIfAbsent(name, k -> new Gram(x.length)).add(x);
    }

    static void matVec(float[] m, float[] x, float[] out, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            FloatVector acc = FloatVector.zero(S);
            int i = 0, base = r * cols;
            for (; i <= cols - S.length(); i += S.length()) acc = FloatVector.fromArray(S, m, base + i).fma(FloatVector.fromArray(S, x, i), acc);
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) s += m[base + i] * x[i];
            out[r] = s;
        }
    }

    private float[] linear(String name, float[] x, int rows) {
        if (x != lastRecorded) record(name, x);
        lastRecorded = x;
        float[] out = new float[rows];
        matVec(w.get(name), x, out, rows, x.length);
        return out;
    }

    private float[] rmsNorm(float[] x, float[] g) {
        double ss = 0;
        for (float v : x) ss += v * v;
        float s = (float) (1 / Math.sqrt(ss / x.length + c.eps()));
        float[] o = new float[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * s * g[i];
        return o;
    }

    private void rope(float[] v, int heads, int pos) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd; i += 2) {
                double angle = pos * Math.pow(c.theta(), -(double) i / hd);
                float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
                float a = v[h * hd + i], b = v[h * hd + i + 1];
                v[h * hd + i] = a * cos - b * sin;
                v[h * hd + i + 1] = a * sin + b * cos;
            }
        }
    }

    /** Logits of the token at position {@code pos} (positions must be fed in order from 0). */
    float[] step(int token, int pos) {
        if (pos >= capacity) throw new IllegalArgumentException("position " + pos + " beyond capacity " + capacity);
        int dim = c.dim(), hd = c.headDim(), kvDim = c.kvHeads() * hd;
        float[] x = new float[dim];
        System.arraycopy(w.get("token_embd.weight"), token * dim, x, 0, dim);
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            float[] h = rmsNorm(x, w.get(p + "attn_norm.weight"));
            float[] q = linear(p + "attn_q.weight", h, dim);
            float[] k = linear(p + "attn_k.weight", h, kvDim);
            float[] v = linear(p + "attn_v.weight", h, kvDim);
            rope(q, c.heads(), pos);
            rope(k, c.kvHeads(), pos);
            System.arraycopy(k, 0, kCache[l], pos * kvDim, kvDim);
            System.arraycopy(v, 0, vCache[l], pos * kvDim, kvDim);
            float[] att = new float[dim];
            float[] score = new float[pos + 1];
            int group = c.heads() / c.kvHeads();
            for (int hh = 0; hh < c.heads(); hh++) {
                int kvh = hh / group;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    float s = 0;
                    for (int i = 0; i < hd; i++) s += q[hh * hd + i] * kCache[l][t * kvDim + kvh * hd + i];
                    score[t] = s / (float) Math.sqrt(hd);
                    max = Math.max(max, score[t]);
                }
                float sum = 0;
                for (int t = 0; t <= pos; t++) {
                    score[t] = (float) Math.exp(score[t] - max);
                    sum += score[t];
                }
                for (int t = 0; t <= pos; t++) {
                    float a = score[t] / sum;
                    for (int i = 0; i < hd; i++) att[hh * hd + i] += a * vCache[l][t * kvDim + kvh * hd + i];
                }
            }
            float[] o = linear(p + "attn_output.weight", att, dim);
            for (int i = 0; i < dim; i++) x[i] += o[i];
            float[] h2 = rmsNorm(x, w.get(p + "ffn_norm.weight"));
            float[] gate = linear(p + "ffn_gate.weight", h2, c.hidden());
            float[] up = linear(p + "ffn_up.weight", h2, c.hidden());
            for (int i = 0; i < c.hidden(); i++) gate[i] = gate[i] / (1 + (float) Math.exp(-gate[i])) * up[i];
            float[] down = linear(p + "ffn_down.weight", gate, dim);
            for (int i = 0; i < dim; i++) x[i] += down[i];
        }
        float[] xf = rmsNorm(x, w.get("output_norm.weight"));
        // tied output: logits = token_embd · x (recorded under the output's own name)
        return linear("token_embd.weight", xf, c.vocab());
    }
}
