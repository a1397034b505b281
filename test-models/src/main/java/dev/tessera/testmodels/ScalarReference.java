package dev.tessera.testmodels;

import dev.tessera.testmodels.TinyModel.Matrix;

/**
 * The forward pass of a {@link TinyModel} in plain double loops, recomputing the whole sequence
 * (no cache, no batching, no backend): the independent reference the production forward pass is
 * checked against. Written from the architectures' published definitions, not from the runtime.
 */
public final class ScalarReference {
    private final TinyModel m;
    private final TinySpec s;

    public ScalarReference(TinyModel model) {
        this.m = model;
        this.s = model.spec();
    }

    /** Logits at every position of {@code tokens} (positions 0, 1, ...). */
    public float[][] logits(int[] tokens) {
        int n = tokens.length, d = s.dim();
        double[][] x = new double[n][];
        Matrix emb = m.get("token_embd.weight");
        for (int t = 0; t < n; t++) {
            x[t] = new double[d];
            for (int i = 0; i < d; i++) x[t][i] = emb.at(tokens[t], i) * (double) s.embScale();
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], m.get(p + "attn_norm.weight"));
                q[t] = matVec(m.get(p + "attn_q.weight"), h);
                k[t] = matVec(m.get(p + "attn_k.weight"), h);
                v[t] = matVec(m.get(p + "attn_v.weight"), h);
                if (s.qkvBias()) {
                    addTo(q[t], m.get(p + "attn_q.bias"));
                    addTo(k[t], m.get(p + "attn_k.bias"));
                    addTo(v[t], m.get(p + "attn_v.bias"));
                }
                if (s.qkNorm()) {
                    normHeads(q[t], s.heads(), m.get(p + "attn_q_norm.weight"));
                    normHeads(k[t], s.kvHeads(), m.get(p + "attn_k_norm.weight"));
                }
                double[] freqs = s.frequencies(l);
                rope(q[t], s.heads(), t, freqs);
                rope(k[t], s.kvHeads(), t, freqs);
            }
            for (int t = 0; t < n; t++) {
                double[] att = attend(q, k, v, t, l);
                double[] o = matVec(m.get(p + "attn_output.weight"), att);
                if (s.postNorms()) o = rmsNorm(o, m.get(p + "post_attention_norm.weight"));
                for (int i = 0; i < d; i++) x[t][i] += o[i];
                double[] h = rmsNorm(x[t], m.get(p + "ffn_norm.weight"));
                double[] g = matVec(m.get(p + "ffn_gate.weight"), h);
                double[] u = matVec(m.get(p + "ffn_up.weight"), h);
                for (int i = 0; i < g.length; i++) g[i] = (s.gelu() ? gelu(g[i]) : silu(g[i])) * u[i];
                double[] f = matVec(m.get(p + "ffn_down.weight"), g);
                if (s.postNorms()) f = rmsNorm(f, m.get(p + "post_ffw_norm.weight"));
                for (int i = 0; i < d; i++) x[t][i] += f[i];
            }
        }
        Matrix out = m.has("output.weight") ? m.get("output.weight") : emb;
        float[][] logits = new float[n][];
        for (int t = 0; t < n; t++) {
            double[] z = matVec(out, rmsNorm(x[t], m.get("output_norm.weight")));
            logits[t] = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                double y = s.finalCap() > 0 ? s.finalCap() * Math.tanh(z[i] / s.finalCap()) : z[i];
                logits[t][i] = (float) y;
            }
        }
        return logits;
    }

    /** Causal (optionally windowed) multi-head attention of query position {@code t}, with GQA. */
    private double[] attend(double[][] q, double[][] k, double[][] v, int t, int layer) {
        int hd = s.headDim(), group = s.heads() / s.kvHeads();
        int first = s.sliding(layer) ? Math.max(0, t - s.window() + 1) : 0;
        double[] out = new double[s.qDim()];
        for (int h = 0; h < s.heads(); h++) {
            int kvh = h / group;
            double[] score = new double[t + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = first; j <= t; j++) {
                double dot = 0;
                for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[j][kvh * hd + i];
                dot /= Math.sqrt(hd);
                if (s.attnCap() > 0) dot = s.attnCap() * Math.tanh(dot / s.attnCap());
                score[j] = dot;
                max = Math.max(max, dot);
            }
            double sum = 0;
            for (int j = first; j <= t; j++) sum += score[j] = Math.exp(score[j] - max);
            for (int j = first; j <= t; j++) {
                double w = score[j] / sum;
                for (int i = 0; i < hd; i++) out[h * hd + i] += w * v[j][kvh * hd + i];
            }
        }
        return out;
    }

    /** Rotates each head's pairs by {@code pos · f}: pairs (2i, 2i+1), or (i, i + headDim/2) for NeoX. */
    private void rope(double[] x, int heads, int pos, double[] f) {
        int hd = s.headDim(), half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                int a = h * hd + (s.neox() ? i : 2 * i);
                int b = h * hd + (s.neox() ? i + half : 2 * i + 1);
                double c = Math.cos(pos * f[i]), sn = Math.sin(pos * f[i]);
                double xa = x[a], xb = x[b];
                x[a] = xa * c - xb * sn;
                x[b] = xa * sn + xb * c;
            }
        }
    }

    private double[] rmsNorm(double[] x, Matrix g) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + s.eps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * inv * g.data()[i];
        return out;
    }

    private void normHeads(double[] x, int heads, Matrix g) {
        int hd = s.headDim();
        for (int h = 0; h < heads; h++) {
            double[] head = new double[hd];
            System.arraycopy(x, h * hd, head, 0, hd);
            System.arraycopy(rmsNorm(head, g), 0, x, h * hd, hd);
        }
    }

    private static double[] matVec(Matrix w, double[] x) {
        double[] y = new double[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double acc = 0;
            for (int c = 0; c < w.cols(); c++) acc += w.at(r, c) * x[c];
            y[r] = acc;
        }
        return y;
    }

    private static void addTo(double[] x, Matrix b) {
        for (int i = 0; i < x.length; i++) x[i] += b.data()[i];
    }

    private static double silu(double x) { return x / (1 + Math.exp(-x)); }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
