package dev.tessera.kernels.cuda;

import dev.tessera.quant.Dequantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/**
 * A plain scalar {@link Backend} written from the interface's contract, independent of the CUDA
 * code: weights dequantized to float by the reference {@link Dequantizer}, sums in double. It is
 * what the GPU results are compared with.
 */
final class ReferenceBackend implements Backend {
    record RefWeight(String name, TensorType type, long rows, long cols, float[] values) implements Weight {}

    static final class RefBuffer implements Buffer {
        final float[] data;
        final int offset;
        private final int size;

        RefBuffer(float[] data, int offset, int size) {
            this.data = data;
            this.offset = offset;
            this.size = size;
        }

        @Override public long size() { return size; }

        @Override
        public Buffer slice(long off, long length) {
            if (off < 0 || length < 0 || off + length > size) throw new IndexOutOfBoundsException();
            return new RefBuffer(data, offset + (int) off, (int) length);
        }

        @Override public void read(long off, float[] dst) { System.arraycopy(data, offset + (int) off, dst, 0, dst.length); }

        @Override public void write(long off, float[] src) { System.arraycopy(src, 0, data, offset + (int) off, src.length); }

        float get(long i) { return data[offset + (int) i]; }

        void set(long i, float v) { data[offset + (int) i] = v; }
    }

    record RefCache(int layers, int capacity, int kvHeads, int headDim, TensorType type, float[][] k, float[][] v) implements KvCache {
        @Override public void close() {}
    }

    private static RefBuffer b(Buffer x) { return (RefBuffer) x; }

    private static float[] w(Weight x) { return ((RefWeight) x).values(); }

    @Override public String name() { return "reference"; }

    @Override
    public Weight load(Tensor t) {
        return new RefWeight(t.name(), t.type(), t.rows(), t.cols(), Dequantizer.dequantize(t));
    }

    @Override public Buffer allocate(long floats) { return new RefBuffer(new float[(int) floats], 0, (int) floats); }

    @Override
    public KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        int n = capacity * kvHeads * headDim;
        return new RefCache(layers, capacity, kvHeads, headDim, type, new float[layers][n], new float[layers][n]);
    }

    @Override
    public void embed(Weight table, int[] tokens, Buffer out) {
        int cols = (int) table.cols();
        for (int i = 0; i < tokens.length; i++) {
            for (int c = 0; c < cols; c++) b(out).set((long) i * cols + c, w(table)[tokens[i] * cols + c]);
        }
    }

    @Override
    public void matmul(Weight wt, Buffer x, int n, Buffer out) {
        int rows = (int) wt.rows(), cols = (int) wt.cols();
        float[] m = w(wt);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) m[r * cols + c] * b(x).get((long) i * cols + c);
                b(out).set((long) i * rows + r, (float) s);
            }
        }
    }

    @Override
    public void addBias(Buffer x, Weight bias, int n) {
        int cols = (int) bias.cols();
        for (int i = 0; i < n; i++) for (int c = 0; c < cols; c++) b(x).set((long) i * cols + c, b(x).get((long) i * cols + c) + w(bias)[c]);
    }

    @Override
    public void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out) {
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) ss += (double) b(x).get((long) r * cols + c) * b(x).get((long) r * cols + c);
            double s = 1.0 / Math.sqrt(ss / cols + eps);
            for (int c = 0; c < cols; c++) b(out).set((long) r * cols + c, (float) (b(x).get((long) r * cols + c) * s * w(g)[c]));
        }
    }

    @Override
    public void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope) {
        int half = rope.dims() / 2;
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                long base = ((long) i * heads + h) * headDim;
                for (int p = 0; p < half; p++) {
                    double a = positions[i] * (double) rope.invFreq()[p];
                    long ia = base + (rope.neox() ? p : 2 * p), ib = base + (rope.neox() ? p + half : 2 * p + 1);
                    double x0 = b(x).get(ia), x1 = b(x).get(ib);
                    b(x).set(ia, (float) (x0 * Math.cos(a) - x1 * Math.sin(a)));
                    b(x).set(ib, (float) (x0 * Math.sin(a) + x1 * Math.cos(a)));
                }
            }
        }
    }

    @Override
    public void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots) {
        RefCache c = (RefCache) cache;
        int width = c.kvHeads() * c.headDim();
        for (int i = 0; i < n; i++) {
            for (int e = 0; e < width; e++) {
                c.k()[layer][slots[i] * width + e] = round(c, b(k).get((long) i * width + e));
                c.v()[layer][slots[i] * width + e] = round(c, b(v).get((long) i * width + e));
            }
        }
    }

    private static float round(RefCache c, float f) {
        return c.type() == TensorType.F16 ? Float.float16ToFloat(Float.floatToFloat16(f)) : f;
    }

    @Override
    public void moveKv(KvCache cache, int[] from, int[] to) {
        RefCache c = (RefCache) cache;
        int width = c.kvHeads() * c.headDim();
        for (int l = 0; l < c.layers(); l++) {
            float[][] kk = new float[from.length][], vv = new float[from.length][];
            for (int i = 0; i < from.length; i++) {
                kk[i] = java.util.Arrays.copyOfRange(c.k()[l], from[i] * width, (from[i] + 1) * width);
                vv[i] = java.util.Arrays.copyOfRange(c.v()[l], from[i] * width, (from[i] + 1) * width);
            }
            for (int i = 0; i < from.length; i++) {
                System.arraycopy(kk[i], 0, c.k()[l], to[i] * width, width);
                System.arraycopy(vv[i], 0, c.v()[l], to[i] * width, width);
            }
        }
    }

    /** Whether query {@code i} sees cache slot {@code s}, from the mask's definition in the Backend docs. */
    static boolean sees(AttentionMask mask, int[] positions, int n, int i, int s, int window) {
        int keyPos;
        switch (mask) {
            case AttentionMask.Causal c -> {
                if (s > positions[i]) return false;
                keyPos = s;
            }
            case AttentionMask.Tree t -> {
                if (s < t.prefix()) {
                    keyPos = s;
                } else {
                    int j = s - t.prefix();
                    if (j >= n || !t.visible()[i][j]) return false;
                    keyPos = positions[j];
                }
            }
        }
        return window <= 0 || keyPos > positions[i] - window;
    }

    @Override
    public void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask, AttentionParams p, Buffer out) {
        RefCache c = (RefCache) cache;
        int D = p.headDim(), width = c.kvHeads() * D, group = p.heads() / p.kvHeads();
        int end = mask instanceof AttentionMask.Tree t ? t.prefix() + n : 0;
        for (int i = 0; i < n; i++) {
            int last = mask instanceof AttentionMask.Tree ? end : positions[i] + 1;
            for (int h = 0; h < p.heads(); h++) {
                int kvh = h / group;
                double[] score = new double[last];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < last; s++) {
                    if (!sees(mask, positions, n, i, s, p.window())) {
                        score[s] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int d = 0; d < D; d++) dot += (double) b(q).get(((long) i * p.heads() + h) * D + d) * c.k()[layer][s * width + kvh * D + d];
                    dot *= p.scale();
                    if (p.softcap() > 0) dot = p.softcap() * Math.tanh(dot / p.softcap());
                    score[s] = dot;
                    max = Math.max(max, dot);
                }
                double sum = 0;
                double[] acc = new double[D];
                for (int s = 0; s < last; s++) {
                    if (score[s] == Double.NEGATIVE_INFINITY) continue;
                    double e = Math.exp(score[s] - max);
                    sum += e;
                    for (int d = 0; d < D; d++) acc[d] += e * c.v()[layer][s * width + kvh * D + d];
                }
                for (int d = 0; d < D; d++) b(out).set(((long) i * p.heads() + h) * D + d, sum == 0 ? 0f : (float) (acc[d] / sum));
            }
        }
    }

    @Override
    public void gatedActivation(Buffer gate, Buffer up, long count, Activation act) {
        for (long i = 0; i < count; i++) {
            double g = b(gate).get(i);
            double a = act == Activation.SILU ? g / (1 + Math.exp(-g))
                    : 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
            b(gate).set(i, (float) (a * b(up).get(i)));
        }
    }

    @Override
    public void add(Buffer dst, Buffer src, long count) {
        for (long i = 0; i < count; i++) b(dst).set(i, b(dst).get(i) + b(src).get(i));
    }

    @Override
    public void scale(Buffer x, long count, float s) {
        for (long i = 0; i < count; i++) b(x).set(i, b(x).get(i) * s);
    }

    @Override
    public void softcap(Buffer x, long count, float cap) {
        for (long i = 0; i < count; i++) b(x).set(i, (float) (cap * Math.tanh(b(x).get(i) / (double) cap)));
    }

    @Override
    public int argmax(Buffer x, long offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) if (b(x).get(offset + i) > b(x).get(offset + best)) best = i;
        return best;
    }

    /** Row-wise softmax (the CUDA backend's extra operation). */
    void softmax(Buffer x, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.max(max, b(x).get((long) r * cols + c));
            for (int c = 0; c < cols; c++) sum += Math.exp(b(x).get((long) r * cols + c) - max);
            for (int c = 0; c < cols; c++) b(x).set((long) r * cols + c, (float) (Math.exp(b(x).get((long) r * cols + c) - max) / sum));
        }
    }

    @Override public void close() {}
}
