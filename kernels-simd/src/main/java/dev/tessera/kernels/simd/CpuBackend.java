package dev.tessera.kernels.simd;

import dev.tessera.kernels.simd.intq.IntqDot;
import dev.tessera.kernels.simd.stored.StoredVqWeight;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/** The CPU backend: activations in heap float arrays, weights read in place from their (mmap'd) bytes. */
public final class CpuBackend implements Backend {

    @Override
    public String name() { return "cpu"; }

    @Override
    public Weight load(Tensor tensor) {
        if (StoredVqWeight.handles(tensor.type())) return StoredVqWeight.load(tensor); // GLVQ/PVQ: the vq kernels
        if (!RowDecoder.supports(tensor.type())) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": type " + tensor.type()
                    + " is not supported by the CPU backend");
        }
        if (tensor.cols() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": rows of " + tensor.cols() + " elements are too long");
        }
        float[] vector = null;
        if (tensor.shape().rank() == 1 || tensor.rows() == 1) {
            vector = new float[(int) tensor.cols()];
            RowDecoder.decode(tensor.type(), tensor.data(), 0, vector, 0, vector.length);
        }
        return new CpuWeight(tensor, vector);
    }

    @Override
    public Buffer allocate(long floats) {
        if (floats < 0 || floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("buffer of " + floats + " floats: expected 0.." + (Integer.MAX_VALUE - 16));
        }
        return new CpuBuffer(new float[(int) floats], 0, (int) floats);
    }

    @Override
    public KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        return new CpuKvCache(layers, capacity, kvHeads, headDim, type);
    }

    @Override
    public void embed(Weight table, int[] tokens, Buffer out) {
        CpuWeight w = CpuWeight.of(table);
        CpuBuffer o = CpuBuffer.of(out);
        int cols = (int) w.cols();
        checkSize(o, (long) tokens.length * cols, "embed output");
        long rowBytes = w.tensor.rowBytes();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= w.rows()) {
                throw new IllegalArgumentException("token " + tokens[i] + ": outside " + w.name() + " rows 0.." + (w.rows() - 1));
            }
            RowDecoder.decode(w.type(), w.tensor.data(), tokens[i] * rowBytes, o.data, o.offset + i * cols, cols);
        }
    }

    @Override
    public void matmul(Weight weight, Buffer x, int n, Buffer out) {
        if (weight instanceof StoredVqWeight v) {
            CpuBuffer xv = CpuBuffer.of(x);
            CpuBuffer ov = CpuBuffer.of(out);
            checkSize(xv, (long) n * v.cols(), "matmul input for " + v.name());
            checkSize(ov, (long) n * v.rows(), "matmul output for " + v.name());
            v.matmul(xv.data, xv.offset, n, ov.data, ov.offset);
            return;
        }
        CpuWeight w = CpuWeight.of(weight);
        CpuBuffer xb = CpuBuffer.of(x);
        CpuBuffer ob = CpuBuffer.of(out);
        int cols = (int) w.cols();
        int rows = Math.toIntExact(w.rows());
        checkSize(xb, (long) n * cols, "matmul input for " + w.name());
        checkSize(ob, (long) n * rows, "matmul output for " + w.name());
        if (IntqDot.supports(w.type())) { // Tessera's int8/int4 group types: fused kernels, no row decode
            IntqDot.matmul(w.type(), w.tensor.data(), rows, cols, xb.data, xb.offset, n, ob.data, ob.offset);
            return;
        }
        float[] row = new float[cols];
        long rowBytes = w.tensor.rowBytes();
        for (int r = 0; r < rows; r++) {
            RowDecoder.decode(w.type(), w.tensor.data(), r * rowBytes, row, 0, cols);
            for (int i = 0; i < n; i++) {
                float s = 0;
                int xo = xb.offset + i * cols;
                for (int c = 0; c < cols; c++) s += row[c] * xb.data[xo + c];
                ob.data[ob.offset + i * rows + r] = s;
            }
        }
    }

    @Override
    public void addBias(Buffer x, Weight bias, int n) {
        CpuBuffer xb = CpuBuffer.of(x);
        float[] b = CpuWeight.of(bias).vector();
        checkSize(xb, (long) n * b.length, "addBias input");
        for (int i = 0; i < n; i++) {
            int o = xb.offset + i * b.length;
            for (int c = 0; c < b.length; c++) xb.data[o + c] += b[c];
        }
    }

    @Override
    public void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out) {
        CpuBuffer xb = CpuBuffer.of(x);
        CpuBuffer ob = CpuBuffer.of(out);
        float[] gain = CpuWeight.of(g).vector();
        if (gain.length != cols) throw new IllegalArgumentException("rmsNorm gain " + g.name() + " has " + gain.length + " values, expected " + cols);
        checkSize(xb, (long) rows * cols, "rmsNorm input");
        checkSize(ob, (long) rows * cols, "rmsNorm output");
        for (int r = 0; r < rows; r++) {
            int xo = xb.offset + r * cols;
            int oo = ob.offset + r * cols;
            float ss = 0;
            for (int c = 0; c < cols; c++) ss += xb.data[xo + c] * xb.data[xo + c];
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            for (int c = 0; c < cols; c++) ob.data[oo + c] = xb.data[xo + c] * inv * gain[c];
        }
    }

    @Override
    public void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope) {
        CpuBuffer xb = CpuBuffer.of(x);
        checkSize(xb, (long) n * heads * headDim, "rope input");
        if (rope.dims() > headDim) throw new IllegalArgumentException("rope dims " + rope.dims() + " exceed head dim " + headDim);
        int half = rope.dims() / 2;
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < half; p++) {
                double angle = positions[i] * (double) rope.invFreq()[p];
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    int base = xb.offset + (i * heads + h) * headDim;
                    int a = rope.neox() ? base + p : base + 2 * p;
                    int b = rope.neox() ? base + p + half : base + 2 * p + 1;
                    float x0 = xb.data[a];
                    float x1 = xb.data[b];
                    xb.data[a] = x0 * cos - x1 * sin;
                    xb.data[b] = x0 * sin + x1 * cos;
                }
            }
        }
    }

    @Override
    public void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots) {
        CpuKvCache c = CpuKvCache.of(cache);
        CpuBuffer kb = CpuBuffer.of(k);
        CpuBuffer vb = CpuBuffer.of(v);
        int w = c.slotWidth();
        checkSize(kb, (long) n * w, "storeKv keys");
        checkSize(vb, (long) n * w, "storeKv values");
        for (int i = 0; i < n; i++) {
            if (slots[i] < 0 || slots[i] >= c.capacity()) {
                throw new IllegalArgumentException("kv slot " + slots[i] + ": outside 0.." + (c.capacity() - 1));
            }
            int dst = slots[i] * w;
            if (c.type() == TensorType.F32) {
                System.arraycopy(kb.data, kb.offset + i * w, c.keysF32[layer], dst, w);
                System.arraycopy(vb.data, vb.offset + i * w, c.valuesF32[layer], dst, w);
            } else {
                for (int e = 0; e < w; e++) {
                    c.keysF16[layer][dst + e] = Float.floatToFloat16(kb.data[kb.offset + i * w + e]);
                    c.valuesF16[layer][dst + e] = Float.floatToFloat16(vb.data[vb.offset + i * w + e]);
                }
            }
        }
    }

    @Override
    public void moveKv(KvCache cache, int[] from, int[] to) {
        CpuKvCache c = CpuKvCache.of(cache);
        int w = c.slotWidth();
        for (int i = 0; i < from.length; i++) {
            if (from[i] == to[i]) continue;
            for (int l = 0; l < c.layers(); l++) {
                if (c.type() == TensorType.F32) {
                    System.arraycopy(c.keysF32[l], from[i] * w, c.keysF32[l], to[i] * w, w);
                    System.arraycopy(c.valuesF32[l], from[i] * w, c.valuesF32[l], to[i] * w, w);
                } else {
                    System.arraycopy(c.keysF16[l], from[i] * w, c.keysF16[l], to[i] * w, w);
                    System.arraycopy(c.valuesF16[l], from[i] * w, c.valuesF16[l], to[i] * w, w);
                }
            }
        }
    }

    @Override
    public void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask,
                          AttentionParams params, Buffer out) {
        CpuKvCache c = CpuKvCache.of(cache);
        CpuBuffer qb = CpuBuffer.of(q);
        CpuBuffer ob = CpuBuffer.of(out);
        int hd = params.headDim();
        int heads = params.heads();
        if (hd != c.headDim() || params.kvHeads() != c.kvHeads()) {
            throw new IllegalArgumentException("attention params " + params + " do not match the kv cache ("
                    + c.kvHeads() + " kv heads of " + c.headDim() + ")");
        }
        checkSize(qb, (long) n * heads * hd, "attention queries");
        checkSize(ob, (long) n * heads * hd, "attention output");
        int group = heads / params.kvHeads();
        int w = c.slotWidth();
        int slots = visibleSlotLimit(mask, positions, n, c.capacity());
        float[] scores = new float[slots];
        float[] acc = new float[hd];
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                int qo = qb.offset + (i * heads + h) * hd;
                int kvh = h / group;
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < slots; s++) {
                    if (!visible(mask, positions, i, s, params.window())) {
                        scores[s] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    int ko = s * w + kvh * hd;
                    float dot = 0;
                    for (int d = 0; d < hd; d++) dot += qb.data[qo + d] * key(c, layer, ko + d);
                    dot *= params.scale();
                    if (params.softcap() > 0) dot = params.softcap() * (float) Math.tanh(dot / params.softcap());
                    scores[s] = dot;
                    max = Math.max(max, dot);
                }
                java.util.Arrays.fill(acc, 0);
                float sum = 0;
                for (int s = 0; s < slots; s++) {
                    if (scores[s] == Float.NEGATIVE_INFINITY) continue;
                    float p = (float) Math.exp(scores[s] - max);
                    sum += p;
                    int vo = s * w + kvh * hd;
                    for (int d = 0; d < hd; d++) acc[d] += p * value(c, layer, vo + d);
                }
                int oo = ob.offset + (i * heads + h) * hd;
                for (int d = 0; d < hd; d++) ob.data[oo + d] = sum == 0 ? 0 : acc[d] / sum;
            }
        }
    }

    /** One past the highest slot any query of the batch may see. */
    private static int visibleSlotLimit(AttentionMask mask, int[] positions, int n, int capacity) {
        int limit = switch (mask) {
            case AttentionMask.Causal ignored -> {
                int m = 0;
                for (int i = 0; i < n; i++) m = Math.max(m, positions[i] + 1);
                yield m;
            }
            case AttentionMask.Tree t -> t.prefix() + n;
        };
        if (limit > capacity) throw new IllegalArgumentException("attention reaches slot " + (limit - 1) + " beyond kv capacity " + capacity);
        return limit;
    }

    private static boolean visible(AttentionMask mask, int[] positions, int i, int slot, int window) {
        int p = positions[i];
        int slotPos;
        switch (mask) {
            case AttentionMask.Causal ignored -> {
                if (slot > p) return false;
                slotPos = slot;
            }
            case AttentionMask.Tree t -> {
                if (slot < t.prefix()) {
                    slotPos = slot;
                } else {
                    int j = slot - t.prefix();
                    if (!t.visible()[i][j]) return false;
                    slotPos = positions[j];
                }
            }
        }
        return window <= 0 || slotPos > p - window;
    }

    private static float key(CpuKvCache c, int layer, int index) {
        return c.keysF32 != null ? c.keysF32[layer][index] : Float.float16ToFloat(c.keysF16[layer][index]);
    }

    private static float value(CpuKvCache c, int layer, int index) {
        return c.valuesF32 != null ? c.valuesF32[layer][index] : Float.float16ToFloat(c.valuesF16[layer][index]);
    }

    @Override
    public void gatedActivation(Buffer gate, Buffer up, long count, Activation act) {
        CpuBuffer g = CpuBuffer.of(gate);
        CpuBuffer u = CpuBuffer.of(up);
        checkSize(g, count, "gate");
        checkSize(u, count, "up");
        for (int i = 0; i < count; i++) {
            float x = g.data[g.offset + i];
            float a = switch (act) {
                case SILU -> x / (1 + (float) Math.exp(-x));
                case GELU_TANH -> 0.5f * x * (1 + (float) Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
            };
            g.data[g.offset + i] = a * u.data[u.offset + i];
        }
    }

    @Override
    public void add(Buffer dst, Buffer src, long count) {
        CpuBuffer d = CpuBuffer.of(dst);
        CpuBuffer s = CpuBuffer.of(src);
        checkSize(d, count, "add destination");
        checkSize(s, count, "add source");
        for (int i = 0; i < count; i++) d.data[d.offset + i] += s.data[s.offset + i];
    }

    @Override
    public void scale(Buffer x, long count, float s) {
        CpuBuffer b = CpuBuffer.of(x);
        checkSize(b, count, "scale input");
        for (int i = 0; i < count; i++) b.data[b.offset + i] *= s;
    }

    @Override
    public void softcap(Buffer x, long count, float cap) {
        CpuBuffer b = CpuBuffer.of(x);
        checkSize(b, count, "softcap input");
        for (int i = 0; i < count; i++) b.data[b.offset + i] = cap * (float) Math.tanh(b.data[b.offset + i] / cap);
    }

    @Override
    public int argmax(Buffer x, long offset, int count) {
        CpuBuffer b = CpuBuffer.of(x);
        if (offset < 0 || count <= 0 || offset + count > b.length) {
            throw new IllegalArgumentException("argmax over " + count + " floats at " + offset + ": outside buffer of " + b.length);
        }
        int best = 0;
        for (int i = 1; i < count; i++) if (b.data[b.offset + (int) offset + i] > b.data[b.offset + (int) offset + best]) best = i;
        return best;
    }

    @Override
    public void close() {}

    private static void checkSize(CpuBuffer b, long need, String what) {
        if (b.length < need) throw new IllegalArgumentException(what + ": buffer has " + b.length + " floats, needs " + need);
    }
}
