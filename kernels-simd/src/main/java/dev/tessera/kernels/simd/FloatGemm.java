package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batched float products. {@link #rows} is the path of 8-bit weights (not llama.cpp's order): each tile of
 * {@link #TILE_ROWS} weight rows is decoded once to floats in per-thread scratch, then each quad of
 * activation rows meets the tile's rows 4 at a time in float FMAs (16 accumulators, 8 loads per 16
 * FMAs, sized for AVX-512's 32 registers; the quad stays in L1 across the tile). For a batch of more than a few rows this beats the
 * 8-bit integer kernels, whose per-block widening and scale work repeats for every activation row;
 * and the activations stay unquantized.
 *
 * <p>{@link #rowsInOrder} is ggml's tiled GEMM for F32/F16 weights (batches of 2 or more, rows a
 * multiple of 8 long), bit for bit: one 8-lane accumulator per output, {@code acc[l] = fma(w[i+l],
 * x[i+l], acc[l])} over 8-element steps, then {@link #hsum8}. The lane count is the order, so it
 * uses 256-bit vectors whatever {@link Lanes} chose; tiles of 4 weight rows × 4 activation rows.
 */
final class FloatGemm {
    /** Batches at least this large take this path (measured crossover of the Q4_0 integer kernel). */
    static final int MIN_BATCH = 8;

    private FloatGemm() {}

    /** A weight that decodes its rows to floats. */
    interface RowDecoder {
        /** Decodes row {@code r} to floats at {@code dst[offset..]}. */
        void decodeRow(int r, float[] dst, int offset);
    }

    /** Weight rows decoded per tile; each activation quad meets all of them while it is in L1. */
    private static final int TILE_ROWS = 8;

    static void rows(RowDecoder w, int cols, float[] x, int xOffset, int n, int r0, int r1,
                     float[] out, int outOffset, int outRows, Scratch scratch) {
        float[] t = scratch.tile(TILE_ROWS * cols);
        int vec = cols / Lanes.FLOATS * Lanes.FLOATS;
        for (int r = r0; r < r1; r += TILE_ROWS) {
            int rr = Math.min(TILE_ROWS, r1 - r), quads = rr / 4 * 4;
            for (int k = 0; k < rr; k++) w.decodeRow(r + k, t, k * cols);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                int xo = xOffset + i * cols, o = outOffset + i * outRows + r;
                for (int k = 0; k < quads; k += 4) tile4x4(t, k * cols, cols, vec, x, xo, out, o + k, outRows);
            }
            for (; i < n; i++) {
                for (int k = 0; k < quads; k++) out[outOffset + i * outRows + r + k] = dot(t, k * cols, x, xOffset + i * cols, cols, vec);
            }
            for (int k = quads; k < rr; k++) {
                for (i = 0; i < n; i++) out[outOffset + i * outRows + r + k] = dot(t, k * cols, x, xOffset + i * cols, cols, vec);
            }
        }
    }

    /**
     * Decoded rows {@code t[t0..]} (4, {@code cols} apart) against activation rows {@code x[x0..]}
     * (4, {@code cols} apart): 16 accumulators, 8 loads per 16 FMAs. Result {@code (row k, act i)}
     * goes to {@code out[o + i·stride + k]}.
     */
    private static void tile4x4(float[] t, int t0, int cols, int vec, float[] x, int x0, float[] out, int o, int stride) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        FloatVector a02 = a00, a12 = a00, a22 = a00, a32 = a00;
        FloatVector a03 = a00, a13 = a00, a23 = a00, a33 = a00;
        int x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int t1 = t0 + cols, t2 = t1 + cols, t3 = t2 + cols;
        for (int c = 0; c < vec; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(Lanes.F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(Lanes.F, x, x2 + c);
            FloatVector v3 = FloatVector.fromArray(Lanes.F, x, x3 + c);
            FloatVector w = FloatVector.fromArray(Lanes.F, t, t0 + c);
            a00 = w.fma(v0, a00);
            a01 = w.fma(v1, a01);
            a02 = w.fma(v2, a02);
            a03 = w.fma(v3, a03);
            w = FloatVector.fromArray(Lanes.F, t, t1 + c);
            a10 = w.fma(v0, a10);
            a11 = w.fma(v1, a11);
            a12 = w.fma(v2, a12);
            a13 = w.fma(v3, a13);
            w = FloatVector.fromArray(Lanes.F, t, t2 + c);
            a20 = w.fma(v0, a20);
            a21 = w.fma(v1, a21);
            a22 = w.fma(v2, a22);
            a23 = w.fma(v3, a23);
            w = FloatVector.fromArray(Lanes.F, t, t3 + c);
            a30 = w.fma(v0, a30);
            a31 = w.fma(v1, a31);
            a32 = w.fma(v2, a32);
            a33 = w.fma(v3, a33);
        }
        store4(a00, a10, a20, a30, t, t0, cols, vec, x, x0, out, o);
        store4(a01, a11, a21, a31, t, t0, cols, vec, x, x1, out, o + stride);
        store4(a02, a12, a22, a32, t, t0, cols, vec, x, x2, out, o + 2 * stride);
        store4(a03, a13, a23, a33, t, t0, cols, vec, x, x3, out, o + 3 * stride);
    }

    /** One activation row's sums against the 4 rows at {@code t[t0..]}, with their scalar tails, to {@code out[o..o+3]}. */
    private static void store4(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3, float[] t, int t0, int cols,
                               int vec, float[] x, int xo, float[] out, int o) {
        out[o] = s0.reduceLanes(VectorOperators.ADD) + tail(t, t0, x, xo, cols, vec);
        out[o + 1] = s1.reduceLanes(VectorOperators.ADD) + tail(t, t0 + cols, x, xo, cols, vec);
        out[o + 2] = s2.reduceLanes(VectorOperators.ADD) + tail(t, t0 + 2 * cols, x, xo, cols, vec);
        out[o + 3] = s3.reduceLanes(VectorOperators.ADD) + tail(t, t0 + 3 * cols, x, xo, cols, vec);
    }

    private static float dot(float[] t, int to, float[] x, int xo, int cols, int vec) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int c = 0; c < vec; c += Lanes.FLOATS) {
            acc = FloatVector.fromArray(Lanes.F, t, to + c).fma(FloatVector.fromArray(Lanes.F, x, xo + c), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail(t, to, x, xo, cols, vec);
    }

    private static float tail(float[] t, int to, float[] x, int xo, int cols, int vec) {
        float s = 0;
        for (int c = vec; c < cols; c++) s += t[to + c] * x[xo + c];
        return s;
    }

    /** Eight floats: ggml's GEMM lane count, part of its summation order. */
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    // The horizontal sums read accumulators stored to an array: vector code after the loop of a
    // kernel this large is past C2's inlining node limit, and a vector passed to a call it does
    // not inline is boxed.

    /** {@code ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7))} of {@code a[o..o+7]}: ggml's 8-lane horizontal sum (AVX {@code hsum_float_8}). */
    static float hsum8(float[] a, int o) {
        return ((a[o] + a[o + 4]) + (a[o + 2] + a[o + 6])) + ((a[o + 1] + a[o + 5]) + (a[o + 3] + a[o + 7]));
    }

    /**
     * {@code ((v0+v4)+(v1+v5)) + ((v2+v6)+(v3+v7))} of {@code v[o..o+7]}: the 8-lane sum that ends
     * ggml's single-token F32/F16 dot product ({@code GGML_F32x8_REDUCE}), pairs in another order than {@link #hsum8}.
     */
    static float reduce8(float[] v, int o) {
        return ((v[o] + v[o + 4]) + (v[o + 1] + v[o + 5])) + ((v[o + 2] + v[o + 6]) + (v[o + 3] + v[o + 7]));
    }

    /**
     * ggml's tiled GEMM order over {@code cols} (a multiple of 8) for {@code n >= 2} activation rows:
     * tiles of {@link #TILE_ROWS} rows decoded once, then met by the activation rows 4 at a time.
     */
    static void rowsInOrder(RowDecoder w, int cols, float[] x, int xOffset, int n, int r0, int r1,
                            float[] out, int outOffset, int outRows, Scratch scratch) {
        // the tile, then room for the 16 accumulators of gemm4x4
        int acc = TILE_ROWS * cols;
        float[] t = scratch.tile(acc + 16 * 8);
        for (int r = r0; r < r1; r += TILE_ROWS) {
            int rr = Math.min(TILE_ROWS, r1 - r), quads = rr / 4 * 4;
            for (int k = 0; k < rr; k++) w.decodeRow(r + k, t, k * cols);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                int xo = xOffset + i * cols, o = outOffset + i * outRows + r;
                for (int k = 0; k < quads; k += 4) gemm4x4(t, k * cols, cols, x, xo, acc, out, o + k, outRows);
            }
            for (; i < n; i++) {
                int xo = xOffset + i * cols, o = outOffset + i * outRows + r;
                for (int k = 0; k < quads; k += 4) gemm4x1(t, k * cols, cols, x, xo, acc, out, o + k);
            }
            for (int k = quads; k < rr; k++) {
                for (i = 0; i < n; i++) out[outOffset + i * outRows + r + k] = gemm1(t, k * cols, x, xOffset + i * cols, cols, acc);
            }
        }
    }

    /**
     * Decoded rows {@code t[t0..]} (4, {@code cols} apart) against activation rows {@code x[x0..]}
     * (4, {@code cols} apart): 16 accumulators, 8 loads per 16 FMAs, stored to {@code t[acc..]} for
     * their sums. Result {@code (row k, act i)} goes to {@code out[o + i·stride + k]}.
     */
    private static void gemm4x4(float[] t, int t0, int cols, float[] x, int x0, int acc, float[] out, int o, int stride) {
        FloatVector a00 = FloatVector.zero(F8), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        FloatVector a02 = a00, a12 = a00, a22 = a00, a32 = a00;
        FloatVector a03 = a00, a13 = a00, a23 = a00, a33 = a00;
        int x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int t1 = t0 + cols, t2 = t1 + cols, t3 = t2 + cols;
        for (int c = 0; c < cols; c += 8) {
            FloatVector v0 = FloatVector.fromArray(F8, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F8, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F8, x, x2 + c);
            FloatVector v3 = FloatVector.fromArray(F8, x, x3 + c);
            FloatVector w = FloatVector.fromArray(F8, t, t0 + c);
            a00 = w.fma(v0, a00);
            a01 = w.fma(v1, a01);
            a02 = w.fma(v2, a02);
            a03 = w.fma(v3, a03);
            w = FloatVector.fromArray(F8, t, t1 + c);
            a10 = w.fma(v0, a10);
            a11 = w.fma(v1, a11);
            a12 = w.fma(v2, a12);
            a13 = w.fma(v3, a13);
            w = FloatVector.fromArray(F8, t, t2 + c);
            a20 = w.fma(v0, a20);
            a21 = w.fma(v1, a21);
            a22 = w.fma(v2, a22);
            a23 = w.fma(v3, a23);
            w = FloatVector.fromArray(F8, t, t3 + c);
            a30 = w.fma(v0, a30);
            a31 = w.fma(v1, a31);
            a32 = w.fma(v2, a32);
            a33 = w.fma(v3, a33);
        }
        a00.intoArray(t, acc + 0);
        a10.intoArray(t, acc + 8);
        a20.intoArray(t, acc + 16);
        a30.intoArray(t, acc + 24);
        a01.intoArray(t, acc + 32);
        a11.intoArray(t, acc + 40);
        a21.intoArray(t, acc + 48);
        a31.intoArray(t, acc + 56);
        a02.intoArray(t, acc + 64);
        a12.intoArray(t, acc + 72);
        a22.intoArray(t, acc + 80);
        a32.intoArray(t, acc + 88);
        a03.intoArray(t, acc + 96);
        a13.intoArray(t, acc + 104);
        a23.intoArray(t, acc + 112);
        a33.intoArray(t, acc + 120);
        for (int i = 0; i < 4; i++, o += stride) {
            for (int k = 0; k < 4; k++) out[o + k] = hsum8(t, acc + 32 * i + 8 * k);
        }
    }

    /** {@link #gemm4x4} for one activation row: results to {@code out[o..o+3]}. */
    private static void gemm4x1(float[] t, int t0, int cols, float[] x, int x0, int acc, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
        int t1 = t0 + cols, t2 = t1 + cols, t3 = t2 + cols;
        for (int c = 0; c < cols; c += 8) {
            FloatVector v = FloatVector.fromArray(F8, x, x0 + c);
            a0 = FloatVector.fromArray(F8, t, t0 + c).fma(v, a0);
            a1 = FloatVector.fromArray(F8, t, t1 + c).fma(v, a1);
            a2 = FloatVector.fromArray(F8, t, t2 + c).fma(v, a2);
            a3 = FloatVector.fromArray(F8, t, t3 + c).fma(v, a3);
        }
        a0.intoArray(t, acc);
        a1.intoArray(t, acc + 8);
        a2.intoArray(t, acc + 16);
        a3.intoArray(t, acc + 24);
        for (int k = 0; k < 4; k++) out[o + k] = hsum8(t, acc + 8 * k);
    }

    private static float gemm1(float[] t, int t0, float[] x, int x0, int cols, int acc) {
        FloatVector a = FloatVector.zero(F8);
        for (int c = 0; c < cols; c += 8) a = FloatVector.fromArray(F8, t, t0 + c).fma(FloatVector.fromArray(F8, x, x0 + c), a);
        a.intoArray(t, acc);
        return hsum8(t, acc);
    }
}
