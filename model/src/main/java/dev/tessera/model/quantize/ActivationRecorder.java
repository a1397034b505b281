package dev.tessera.model.quantize;

import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.util.HashMap;
import java.util.Map;

/**
 * A backend that passes every call through and, for each matrix product, adds up x² per input
 * column of the activations the weight sees: the statistics llama.cpp's {@code llama-imatrix}
 * gathers. Wrapping the backend keeps the forward pass untouched.
 */
final class ActivationRecorder implements Backend {
    private final Backend inner;
    private final Map<String, double[]> sums = new HashMap<>();
    private final Map<String, long[]> counts = new HashMap<>();
    private float[] scratch = new float[0];

    ActivationRecorder(Backend inner) {
        this.inner = inner;
    }

    /** Mean x² per column for every matrix seen. */
    Map<String, float[]> means() {
        Map<String, float[]> out = new HashMap<>();
        sums.forEach((name, s) -> {
            long n = counts.get(name)[0];
            float[] m = new float[s.length];
            for (int i = 0; i < s.length; i++) m[i] = (float) (s[i] / n);
            out.put(name, m);
        });
        return out;
    }

    @Override
    public void matmul(Weight w, Buffer x, int n, Buffer out) {
        int cols = (int) w.cols();
        int len = n * cols;
        if (scratch.length < len) scratch = new float[len];
        float[] v = len == scratch.length ? scratch : new float[len];
        x.read(0, v);
        double[] s = sums.computeIfAbsent(w.name(), k -> new double[cols]);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) {
                double e = v[i * cols + c];
                s[c] += e * e;
            }
        }
        counts.computeIfAbsent(w.name(), k -> new long[1])[0] += n;
        inner.matmul(w, x, n, out);
    }

    // ---- everything else passes through ----

    @Override public String name() { return inner.name(); }
    @Override public Weight load(Tensor tensor) { return inner.load(tensor); }
    @Override public Buffer allocate(long floats) { return inner.allocate(floats); }
    @Override public KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        return inner.kvCache(layers, capacity, kvHeads, headDim, type);
    }
    @Override public void embed(Weight table, int[] tokens, Buffer out) { inner.embed(table, tokens, out); }
    @Override public void addBias(Buffer x, Weight bias, int n) { inner.addBias(x, bias, n); }
    @Override public void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out) { inner.rmsNorm(x, g, rows, cols, eps, out); }
    @Override public void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope) { inner.rope(x, n, heads, headDim, positions, rope); }
    @Override public void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots) { inner.storeKv(cache, layer, k, v, n, slots); }
    @Override public void moveKv(KvCache cache, int[] from, int[] to) { inner.moveKv(cache, from, to); }
    @Override public void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask,
                                    AttentionParams params, Buffer out) {
        inner.attention(q, cache, layer, n, positions, mask, params, out);
    }
    @Override public void gatedActivation(Buffer gate, Buffer up, long count, Activation act) { inner.gatedActivation(gate, up, count, act); }
    @Override public void add(Buffer dst, Buffer src, long count) { inner.add(dst, src, count); }
    @Override public void scale(Buffer x, long count, float s) { inner.scale(x, count, s); }
    @Override public void softcap(Buffer x, long count, float cap) { inner.softcap(x, count, cap); }
    @Override public int argmax(Buffer x, long offset, int count) { return inner.argmax(x, offset, count); }
    @Override public void synchronize() { inner.synchronize(); }
    @Override public void close() { inner.close(); }
}
