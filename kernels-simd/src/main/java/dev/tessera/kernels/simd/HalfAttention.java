package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;

/**
 * Attention of one query position and one KV head's query group over an F16 cache, computed as
 * llama.cpp's CPU backend computes it over its default F16 cache without flash attention, so that
 * results agree with it bit for bit given the same inputs:
 * <ul>
 * <li>queries rounded to F16; each score {@code q·k} summed as ggml sums F16 dot products (for a
 *     single-token batch its dot product: four 8-lane FMA accumulators over 32-element steps, the
 *     rest in double; for longer batches its tiled GEMM: one 8-lane accumulator), times the scale;</li>
 * <li>the softmax over the row of cache cells from 0 (cells not seen count as {@code −∞}, ggml pads
 *     rows to whole vectors): {@code exp(s − max)} by {@link GgmlExp}, summed per 8 cells in float
 *     and over those sums in double, probabilities {@code e·(float)(1/sum)} rounded to F16;</li>
 * <li>each output {@code Σ p·v} accumulated per cell index modulo 32 (dot product) or 8 (GEMM) and
 *     the lanes combined in ggml's order.</li>
 * </ul>
 * One instance per thread; arrays grow on demand.
 */
final class HalfAttention {
    private float[] query = new float[0];
    private float[] row = new float[0];
    private float[] acc = new float[0];
    private final float[] lanes = new float[16];

    /**
     * Queries {@code q[q0 .. q0 + group·hd)} against cache cells {@code slots[0..count)} (ascending);
     * cell {@code c}'s key/value for this head start at {@code c·width + kvOff}. {@code batched}: the
     * forward pass runs two or more tokens (ggml's GEMM order). Writes {@code group·hd} floats at
     * {@code out[o0..]}.
     */
    void attend(float[] q, int q0, int group, int hd, short[] kh, short[] vh, int width, int kvOff, int[] slots,
                int count, float scale, float cap, boolean batched, float[] out, int o0) {
        int cells = (slots[count - 1] + 8) & ~7;
        int lanesPerOut = batched ? 8 : 32;
        if (query.length < group * hd) query = new float[group * hd];
        if (row.length < group * cells) row = new float[group * cells];
        if (acc.length < lanesPerOut * group * hd) acc = new float[lanesPerOut * group * hd];
        for (int e = 0; e < group * hd; e++) query[e] = Float.float16ToFloat(Float.floatToFloat16(q[q0 + e]));
        java.util.Arrays.fill(row, 0, group * cells, Float.NEGATIVE_INFINITY);
        boolean gemm = batched && hd % 8 == 0;
        for (int t = 0; t < count; t++) {
            int c = slots[t], k0 = c * width + kvOff;
            for (int g = 0; g < group; g++) {
                float dot = gemm ? dotGemm(g * hd, kh, k0, hd) : dotVec(g * hd, kh, k0, hd);
                row[g * cells + c] = dot * scale;
            }
        }
        for (int g = 0; g < group; g++) softmax(g * cells, cells, cap);
        java.util.Arrays.fill(acc, 0, lanesPerOut * group * hd, 0f);
        for (int t = 0; t < count; t++) {
            int c = slots[t], v0 = c * width + kvOff, m = c % lanesPerOut;
            for (int g = 0; g < group; g++) axpy(row[g * cells + c], vh, v0, (m * group + g) * hd, hd);
        }
        int stride = group * hd;
        for (int e = 0; e < group * hd; e++) {
            float r;
            if (batched) {
                float t0 = acc[4 * stride + e] + acc[e], t1 = acc[5 * stride + e] + acc[stride + e];
                float t2 = acc[6 * stride + e] + acc[2 * stride + e], t3 = acc[7 * stride + e] + acc[3 * stride + e];
                r = (t0 + t2) + (t1 + t3);
            } else {
                float[] a = lanes;
                for (int l = 0; l < 8; l++) {
                    a[l] = (acc[l * stride + e] + acc[(16 + l) * stride + e]) + (acc[(8 + l) * stride + e] + acc[(24 + l) * stride + e]);
                }
                r = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
            }
            out[o0 + e] = r;
        }
    }

    /**
     * ggml's F16 dot product: 4 accumulators of 8 lanes over whole 32-element steps (at 512 bits two
     * 16-lane ones holding {@code s0|s1} and {@code s2|s3}), the rest in double.
     */
    private float dotVec(int qo, short[] kh, int ko, int hd) {
        int np = hd & ~31;
        double sum = 0;
        if (np > 0) {
            float[] a = lanes;
            if (Lanes.FLOATS == 16) {
                FloatVector s01 = FloatVector.zero(Lanes.F), s23 = s01;
                for (int i = 0; i < np; i += 32) {
                    s01 = FloatVector.fromArray(Lanes.F, query, qo + i).fma(Half.load(kh, ko + i), s01);
                    s23 = FloatVector.fromArray(Lanes.F, query, qo + i + 16).fma(Half.load(kh, ko + i + 16), s23);
                }
                s01.add(s23).intoArray(a, 0);
                for (int l = 0; l < 8; l++) a[l] += a[8 + l];
            } else {
                FloatVector s0 = FloatVector.zero(Lanes.F), s1 = s0, s2 = s0, s3 = s0;
                for (int i = 0; i < np; i += 32) {
                    s0 = FloatVector.fromArray(Lanes.F, query, qo + i).fma(Half.load(kh, ko + i), s0);
                    s1 = FloatVector.fromArray(Lanes.F, query, qo + i + 8).fma(Half.load(kh, ko + i + 8), s1);
                    s2 = FloatVector.fromArray(Lanes.F, query, qo + i + 16).fma(Half.load(kh, ko + i + 16), s2);
                    s3 = FloatVector.fromArray(Lanes.F, query, qo + i + 24).fma(Half.load(kh, ko + i + 24), s3);
                }
                s0.add(s2).add(s1.add(s3)).intoArray(a, 0);
            }
            sum = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        }
        for (int i = np; i < hd; i++) {
            float p = query[qo + i] * Float.float16ToFloat(kh[ko + i]);
            sum += p;
        }
        return (float) sum;
    }

    /**
     * ggml's tiled GEMM (llamafile's): one accumulator of 8 lanes; a vector at 256 bits, scalar
     * lanes at 512 (a second float vector width in the process makes the Vector API's call
     * profiles polymorphic, and C2 then boxes vectors in every kernel).
     */
    private float dotGemm(int qo, short[] kh, int ko, int hd) {
        float[] a = lanes;
        if (Lanes.FLOATS == 8) {
            FloatVector s = FloatVector.zero(Lanes.F);
            for (int i = 0; i < hd; i += 8) s = FloatVector.fromArray(Lanes.F, query, qo + i).fma(Half.load(kh, ko + i), s);
            s.intoArray(a, 0);
        } else {
            java.util.Arrays.fill(a, 0, 8, 0f);
            for (int i = 0; i < hd; i += 8) {
                for (int l = 0; l < 8; l++) a[l] = Math.fma(query[qo + i + l], Float.float16ToFloat(kh[ko + i + l]), a[l]);
            }
        }
        return hsum(a, 0);
    }

    /** Lanes {@code l} and {@code l+4} first, then {@code (0+2) + (1+3)}: the x86 horizontal sum of llamafile and ggml's softmax, over {@code a[o..o+8)}. */
    private static float hsum(float[] a, int o) {
        return ((a[o + 4] + a[o]) + (a[o + 6] + a[o + 2])) + ((a[o + 5] + a[o + 1]) + (a[o + 7] + a[o + 3]));
    }

    /** {@code row[r0 .. r0+cells)}: scores to F16 probabilities (soft cap first when {@code cap > 0}). */
    private void softmax(int r0, int cells, float cap) {
        if (cap > 0) {
            for (int t = 0; t < cells; t++) {
                if (row[r0 + t] != Float.NEGATIVE_INFINITY) row[r0 + t] = cap * (float) Math.tanh(row[r0 + t] / cap);
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < cells; t++) max = Math.max(max, row[r0 + t]);
        GgmlExp.expInPlace(row, r0, cells, max);
        double sum = 0;
        for (int t = 0; t < cells; t += 8) sum += hsum(row, r0 + t);
        float inv = (float) (1.0 / sum);
        for (int t = 0; t < cells; t++) row[r0 + t] = Float.float16ToFloat(Float.floatToFloat16(row[r0 + t] * inv));
    }

    /** {@code acc[a0 .. a0+hd) += p · v[v0 ..]}, fused per element. */
    private void axpy(float p, short[] v, int v0, int a0, int hd) {
        int d = 0;
        for (; d + Lanes.FLOATS <= hd; d += Lanes.FLOATS) {
            Half.load(v, v0 + d).fma(FloatVector.broadcast(Lanes.F, p), FloatVector.fromArray(Lanes.F, acc, a0 + d)).intoArray(acc, a0 + d);
        }
        for (; d < hd; d++) acc[a0 + d] = Math.fma(Float.float16ToFloat(v[v0 + d]), p, acc[a0 + d]);
    }
}
