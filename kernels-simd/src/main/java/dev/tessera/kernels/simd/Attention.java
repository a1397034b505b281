package dev.tessera.kernels.simd;

import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention over the KV cache. F32 caches: in tiles of {@link #TILE} slots with an online softmax
 * (running max and sum, the accumulator rescaled when the max grows), so no score row of the full
 * context is ever held; heads of 8 (tiny models) take one 8-lane vector per head rather than the
 * scalar tail of a wider one. F16 caches: {@link HalfAttention}, llama.cpp's arithmetic (F16 queries and
 * probabilities), which needs the whole score row first. One work item is one
 * query and one KV head: the query heads of its GQA group share every key and value load. Items
 * are spread over the pool's threads.
 */
final class Attention implements Parallel.Range {
    static final int TILE = 64;
    /** Heads this narrow (tiny models) fill one vector of this species instead of a sliver of a wider one. */
    private static final VectorSpecies<Float> NARROW = FloatVector.SPECIES_256;
    private static final jdk.incubator.vector.VectorShuffle<Float>[] NARROW_FOLDS = Lanes.folds(NARROW);

    /** Per-thread working memory. */
    private static final class Work {
        int[] slots = new int[0];
        float[] scores = new float[0];
        float[] acc = new float[0];
        float[] max = new float[0];
        float[] sum = new float[0];
        final HalfAttention half = new HalfAttention();

        void ensure(int slotCount, int group, int headDim) {
            if (slots.length < slotCount) slots = new int[slotCount];
            if (scores.length < group * TILE) scores = new float[group * TILE];
            if (acc.length < group * headDim) acc = new float[group * headDim];
            if (max.length < group) {
                max = new float[group];
                sum = new float[group];
            }
        }

        /** {@link #ensure}, then an empty online softmax: accumulators 0, running maxima −∞, sums 0. */
        void start(int slotCount, int group, int headDim) {
            ensure(slotCount, group, headDim);
            java.util.Arrays.fill(acc, 0, group * headDim, 0f);
            java.util.Arrays.fill(max, 0, group, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(sum, 0, group, 0f);
        }
    }

    private final Work[] work;
    // the current call
    private float[] q;
    private int qOffset;
    private float[] out;
    private int outOffset;
    private CpuKvCache cache;
    private int layer;
    private int[] positions;
    private AttentionMask mask;
    private AttentionParams params;
    private int queries;
    private boolean narrow;

    Attention(int threads) {
        work = new Work[threads];
        for (int i = 0; i < threads; i++) work[i] = new Work();
    }

    void run(Parallel parallel, CpuBuffer q, CpuKvCache cache, int layer, int n, int[] positions, AttentionMask mask,
             AttentionParams params, CpuBuffer out) {
        this.q = q.data;
        this.qOffset = q.offset;
        this.out = out.data;
        this.outOffset = out.offset;
        this.cache = cache;
        this.layer = layer;
        this.positions = positions;
        this.mask = mask;
        this.params = params;
        this.queries = n;
        this.narrow = cache.type() == TensorType.F32 && params.headDim() == NARROW.length() && Lanes.FLOATS > NARROW.length();
        parallel.chunks(n * params.kvHeads(), 1, this);
        this.q = null;
        this.out = null;
    }

    @Override
    public void run(int worker, int start, int end) {
        for (int item = start; item < end; item++) {
            if (narrow) attendNarrow(work[worker], item / params.kvHeads(), item % params.kvHeads());
            else attend(work[worker], item / params.kvHeads(), item % params.kvHeads());
        }
    }

    /** Slots query {@code i} sees, in increasing order, into {@code w.slots}; returns how many. */
    private int visibleSlots(Work w, int i) {
        int p = positions[i];
        int window = params.window();
        int lo = window > 0 ? Math.max(0, p - window + 1) : 0;
        int count = 0;
        switch (mask) {
            case AttentionMask.Causal ignored -> {
                w.ensure(p + 1, 1, 1);
                for (int s = lo; s <= p; s++) w.slots[count++] = s;
            }
            case AttentionMask.Tree t -> {
                boolean[] vis = t.visible()[i];
                w.ensure(t.prefix() + vis.length, 1, 1);
                for (int s = lo; s < t.prefix(); s++) w.slots[count++] = s;
                for (int j = 0; j < vis.length; j++) {
                    if (vis[j] && (window <= 0 || positions[j] > p - window)) w.slots[count++] = t.prefix() + j;
                }
            }
        }
        return count;
    }

    private void attend(Work w, int i, int kvHead) {
        if (cache.type() == TensorType.F16) {
            int hd = params.headDim(), group = params.heads() / params.kvHeads();
            int count = visibleSlots(w, i);
            w.half.attend(q, qOffset + (i * params.heads() + kvHead * group) * hd, group, hd, cache.keysF16[layer],
                    cache.valuesF16[layer], cache.slotWidth(), kvHead * hd, w.slots, count, params.scale(),
                    params.softcap(), queries > 1, out, outOffset + (i * params.heads() + kvHead * group) * hd);
            return;
        }
        int hd = params.headDim();
        int group = params.heads() / params.kvHeads();
        int slotCount = visibleSlots(w, i);
        w.start(slotCount, group, hd);
        int[] slots = w.slots;
        float[] scores = w.scores, acc = w.acc, max = w.max, sum = w.sum;
        int width = cache.slotWidth();
        int kvOff = kvHead * hd;
        int q0 = qOffset + (i * params.heads() + kvHead * group) * hd;
        float[] kf = cache.keysF32[layer], vf = cache.valuesF32[layer];
        float scale = params.scale(), cap = params.softcap();
        for (int t0 = 0; t0 < slotCount; t0 += TILE) {
            int tn = Math.min(TILE, slotCount - t0);
            for (int t = 0; t < tn; t++) {
                int k0 = slots[t0 + t] * width + kvOff;
                for (int g = 0; g < group; g++) {
                    scores[g * TILE + t] = dotF32(q, q0 + g * hd, kf, k0, hd) * scale;
                }
            }
            for (int g = 0; g < group; g++) {
                int s0 = g * TILE;
                if (cap > 0) softcap(scores, s0, tn, cap);
                float tileMax = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < tn; t++) tileMax = Math.max(tileMax, scores[s0 + t]);
                float newMax = Math.max(max[g], tileMax);
                float correction = (float) Math.exp(max[g] - newMax);
                max[g] = newMax;
                sum[g] = sum[g] * correction + expInPlace(scores, s0, tn, newMax);
                if (correction != 1f) scaleRange(acc, g * hd, hd, correction);
            }
            for (int t = 0; t < tn; t++) {
                int v0 = slots[t0 + t] * width + kvOff;
                for (int g = 0; g < group; g++) {
                    axpyF32(scores[g * TILE + t], vf, v0, acc, g * hd, hd);
                }
            }
        }
        int o0 = outOffset + (i * params.heads() + kvHead * group) * hd;
        for (int g = 0; g < group; g++) {
            float inv = sum[g] > 0 ? 1 / sum[g] : 0;
            for (int d = 0; d < hd; d++) out[o0 + g * hd + d] = acc[g * hd + d] * inv;
        }
    }

    /**
     * {@link #attend} for F32 caches and heads of exactly {@link #NARROW}'s length: a key or value
     * row is one vector, and each query head's accumulator stays in a register across a tile.
     */
    private void attendNarrow(Work w, int i, int kvHead) {
        int hd = NARROW.length();
        int group = params.heads() / params.kvHeads();
        int slotCount = visibleSlots(w, i);
        w.start(slotCount, group, hd);
        int[] slots = w.slots;
        float[] scores = w.scores, acc = w.acc, max = w.max, sum = w.sum;
        int width = cache.slotWidth();
        int kvOff = kvHead * hd;
        int q0 = qOffset + (i * params.heads() + kvHead * group) * hd;
        float[] kf = cache.keysF32[layer], vf = cache.valuesF32[layer];
        float scale = params.scale(), cap = params.softcap();
        for (int t0 = 0; t0 < slotCount; t0 += TILE) {
            int tn = Math.min(TILE, slotCount - t0);
            for (int g = 0; g < group; g++) {
                FloatVector qv = FloatVector.fromArray(NARROW, q, q0 + g * hd);
                for (int t = 0; t < tn; t++) {
                    FloatVector kv = FloatVector.fromArray(NARROW, kf, slots[t0 + t] * width + kvOff);
                    FloatVector p = qv.mul(kv);
                    for (var f : NARROW_FOLDS) p = p.add(p.rearrange(f));
                    scores[g * TILE + t] = p.lane(0) * scale;
                }
            }
            for (int g = 0; g < group; g++) {
                int s0 = g * TILE;
                if (cap > 0) softcap(scores, s0, tn, cap);
                float newMax = Math.max(max[g], tileMax(scores, s0, tn));
                float correction = (float) Math.exp(max[g] - newMax);
                max[g] = newMax;
                sum[g] = sum[g] * correction + expInPlace(scores, s0, tn, newMax);
                FloatVector a = FloatVector.fromArray(NARROW, acc, g * hd);
                if (correction != 1f) a = a.mul(correction);
                for (int t = 0; t < tn; t++) {
                    a = FloatVector.fromArray(NARROW, vf, slots[t0 + t] * width + kvOff).fma(FloatVector.broadcast(NARROW, scores[s0 + t]), a);
                }
                a.intoArray(acc, g * hd);
            }
        }
        int o0 = outOffset + (i * params.heads() + kvHead * group) * hd;
        for (int g = 0; g < group; g++) {
            float inv = sum[g] > 0 ? 1 / sum[g] : 0;
            FloatVector.fromArray(NARROW, acc, g * hd).mul(inv).intoArray(out, o0 + g * hd);
        }
    }

    private static float tileMax(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(Lanes.F, Float.NEGATIVE_INFINITY);
        int t = 0;
        for (; t + Lanes.FLOATS <= n; t += Lanes.FLOATS) m = m.max(FloatVector.fromArray(Lanes.F, x, off + t));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; t < n; t++) r = Math.max(r, x[off + t]);
        return r;
    }

    private static float dotF32(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int d = 0;
        for (; d + Lanes.FLOATS <= n; d += Lanes.FLOATS) {
            acc = FloatVector.fromArray(Lanes.F, a, ao + d).fma(FloatVector.fromArray(Lanes.F, b, bo + d), acc);
        }
        float s = Lanes.sum(acc);
        for (; d < n; d++) s += a[ao + d] * b[bo + d];
        return s;
    }

    private static void axpyF32(float p, float[] v, int vo, float[] acc, int ao, int n) {
        int d = 0;
        for (; d + Lanes.FLOATS <= n; d += Lanes.FLOATS) {
            FloatVector.fromArray(Lanes.F, v, vo + d).fma(FloatVector.broadcast(Lanes.F, p), FloatVector.fromArray(Lanes.F, acc, ao + d)).intoArray(acc, ao + d);
        }
        for (; d < n; d++) acc[ao + d] += p * v[vo + d];
    }

    /**
     * {@code x = exp(x − max)} over the range ({@link GgmlExp}: the same float operations on every
     * JIT tier, where the Vector API's EXP is a different function interpreted and compiled);
     * returns the sum, in a fixed order.
     */
    private static float expInPlace(float[] x, int off, int n, float max) {
        GgmlExp.expInPlace(x, off, n, max);
        FloatVector sum = FloatVector.zero(Lanes.F);
        int t = 0;
        for (; t + Lanes.FLOATS <= n; t += Lanes.FLOATS) sum = sum.add(FloatVector.fromArray(Lanes.F, x, off + t));
        float s = Lanes.sum(sum);
        for (; t < n; t++) s += x[off + t];
        return s;
    }

    private static void softcap(float[] x, int off, int n, float cap) {
        for (int t = 0; t < n; t++) x[off + t] = cap * (float) Math.tanh(x[off + t] / cap);
    }

    private static void scaleRange(float[] x, int off, int n, float s) {
        for (int d = 0; d < n; d++) x[off + d] *= s;
    }
}
