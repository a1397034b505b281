package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Batched float products. {@link #rows} is BF16's batch path (not llama.cpp's order, which would
 * round the activations to BF16): each tile of {@link #TILE_ROWS} weight rows is decoded once to
 * floats in per-thread scratch, then each quad of activation rows meets the tile's rows 4 at a time
 * in float FMAs (16 accumulators, 8 loads per 16 FMAs, sized for AVX-512's 32 registers; the quad
 * stays in L1 across the tile).
 *
 * <p>{@link #rowsInOrder} is ggml's tiled GEMM for F32/F16 weights (batches of 2 or more, rows a
 * multiple of 8 long), bit for bit: one 8-lane accumulator per output, {@code acc[l] = fma(w[i+l],
 * x[i+l], acc[l])} over 8-element steps, then {@link #hsum8}; at 512 bits each vector carries two
 * such accumulators.
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
     * Outputs per vector in {@link #rowsInOrder}: at 512 bits the two 8-lane halves of each
     * accumulator belong to two activation rows (one float species for all kernels: vectors of
     * another width in the same hot code make C2's type profiles of the Vector API polymorphic,
     * and then vectors get boxed, in other kernels too).
     */
    private static final int P = Lanes.FLOATS / 8;
    /** Activation rows packed per pass of {@link #rowsInOrder}; each pass decodes the weight tiles again. */
    private static final int ACT_BLOCK = 64;
    /** Both halves: the first 8 lanes, the last 8 lanes, swapped (identities at 256 bits, unused). */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(Lanes.F, l -> l % 8);
    private static final VectorShuffle<Float> DUP_HI = VectorShuffle.fromOp(Lanes.F, l -> l % 8 + 8 % Lanes.FLOATS);
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(Lanes.F, l -> (l + 8) % Lanes.FLOATS);
    private static final VectorMask<Float> HIGH = VectorMask.fromLong(Lanes.F, 0xFF00L);

    /**
     * ggml's tiled GEMM order over {@code cols} (a multiple of 8) for {@code n >= 2} activation rows.
     * Layouts of {@code len = P·cols} floats: a weight row has each 8-element chunk {@code P} times,
     * an activation group has chunk {@code j} of its {@code P} rows side by side, so one FMA advances
     * {@code P} outputs' 8-lane accumulators. Tiles of {@link #TILE_ROWS} rows, 4 rows × 4 groups at a time.
     */
    static void rowsInOrder(RowDecoder w, int cols, float[] x, int xOffset, int n, int r0, int r1,
                            float[] out, int outOffset, int outRows, Scratch scratch) {
        int len = P * cols;
        // scratch: the tile, a row to duplicate, the accumulators of one kernel call, packed activations
        int stage = TILE_ROWS * len, acc = stage + cols + Lanes.FLOATS, packed = acc + 16 * Lanes.FLOATS;
        float[] t = scratch.tile(packed + (P == 2 ? ACT_BLOCK * cols : 0));
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int m = Math.min(ACT_BLOCK, n - i0), groups = (m + P - 1) / P;
            float[] xs = x;
            int xs0 = xOffset + i0 * cols;
            if (P == 2) {
                for (int g = 0; g < groups; g++) pair(x, xs0 + 2 * g * cols, 2 * g + 1 < m, cols, t, packed + g * len);
                xs = t;
                xs0 = packed;
            }
            for (int r = r0; r < r1; r += TILE_ROWS) {
                int rr = Math.min(TILE_ROWS, r1 - r), quads = rr / 4 * 4;
                for (int k = 0; k < rr; k++) {
                    if (P == 2) {
                        w.decodeRow(r + k, t, stage);
                        duplicate(t, stage, k * len, cols);
                    } else {
                        w.decodeRow(r + k, t, k * len);
                    }
                }
                int g = 0;
                for (; g + 4 <= groups; g += 4) {
                    for (int k = 0; k < quads; k += 4) {
                        gemm4x4(t, k * len, len, xs, xs0 + g * len, acc);
                        emit(t, acc, 4, 4, r + k, i0 + g * P, n, out, outOffset, outRows);
                    }
                }
                for (; g < groups; g++) {
                    for (int k = 0; k < quads; k += 4) {
                        gemm4x1(t, k * len, len, xs, xs0 + g * len, acc);
                        emit(t, acc, 4, 1, r + k, i0 + g * P, n, out, outOffset, outRows);
                    }
                }
                for (int k = quads; k < rr; k++) {
                    for (g = 0; g < groups; g++) {
                        gemm1x1(t, k * len, len, xs, xs0 + g * len, acc);
                        emit(t, acc, 1, 1, r + k, i0 + g * P, n, out, outOffset, outRows);
                    }
                }
            }
        }
    }

    /** Activation rows at {@code x[a..]} and (if {@code second}) {@code x[a + cols..]}, else zeros, side by side per chunk to {@code xp[o..]}. */
    private static void pair(float[] x, int a, boolean second, int cols, float[] xp, int o) {
        for (int c = 0; c < cols; c += 16) {
            VectorMask<Float> in = Lanes.F.indexInRange(c, cols);
            FloatVector u = FloatVector.fromArray(Lanes.F, x, a + c, in);
            FloatVector v = second ? FloatVector.fromArray(Lanes.F, x, a + cols + c, in) : FloatVector.zero(Lanes.F);
            u.blend(v.rearrange(SWAP), HIGH).intoArray(xp, o + 2 * c);
            if (c + 8 < cols) u.rearrange(SWAP).blend(v, HIGH).intoArray(xp, o + 2 * c + 16);
        }
    }

    /** The row at {@code t[src..]} ({@code Lanes.FLOATS} floats of slack after it) with every chunk twice, to {@code t[dst..]}. */
    private static void duplicate(float[] t, int src, int dst, int cols) {
        for (int c = 0; c < cols; c += 16) {
            FloatVector v = FloatVector.fromArray(Lanes.F, t, src + c);
            v.rearrange(DUP_LO).intoArray(t, dst + 2 * c);
            if (c + 8 < cols) v.rearrange(DUP_HI).intoArray(t, dst + 2 * c + 16);
        }
    }

    /**
     * The sums of a kernel's accumulators ({@code rows × groups}, group-major, at {@code t[acc..]}):
     * output (row {@code r + k}, activation row {@code i + g·P + p}) for those below {@code n}.
     */
    private static void emit(float[] t, int acc, int rows, int groups, int r, int i, int n, float[] out, int outOffset, int outRows) {
        for (int g = 0; g < groups; g++) {
            for (int p = 0; p < P; p++) {
                int act = i + g * P + p;
                if (act >= n) continue;
                int o = outOffset + act * outRows + r, a = acc + g * rows * Lanes.FLOATS + 8 * p;
                for (int k = 0; k < rows; k++) out[o + k] = hsum8(t, a + k * Lanes.FLOATS);
            }
        }
    }

    // Kernels: weight rows t[t0..] (len apart) against activation groups xs[x0..] (len apart),
    // accumulators stored group-major to t[acc..]. gemm4x4: 16 accumulators, 8 loads per 16 FMAs.

    private static void gemm4x4(float[] t, int t0, int len, float[] xs, int x0, int acc) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int t1 = t0 + len, t2 = t1 + len, t3 = t2 + len;
        int x1 = x0 + len, x2 = x1 + len, x3 = x2 + len;
        for (int c = 0; c < len; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, xs, x0 + c);
            FloatVector v1 = FloatVector.fromArray(Lanes.F, xs, x1 + c);
            FloatVector v2 = FloatVector.fromArray(Lanes.F, xs, x2 + c);
            FloatVector v3 = FloatVector.fromArray(Lanes.F, xs, x3 + c);
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
        a00.intoArray(t, acc);
        a10.intoArray(t, acc + 1 * Lanes.FLOATS);
        a20.intoArray(t, acc + 2 * Lanes.FLOATS);
        a30.intoArray(t, acc + 3 * Lanes.FLOATS);
        a01.intoArray(t, acc + 4 * Lanes.FLOATS);
        a11.intoArray(t, acc + 5 * Lanes.FLOATS);
        a21.intoArray(t, acc + 6 * Lanes.FLOATS);
        a31.intoArray(t, acc + 7 * Lanes.FLOATS);
        a02.intoArray(t, acc + 8 * Lanes.FLOATS);
        a12.intoArray(t, acc + 9 * Lanes.FLOATS);
        a22.intoArray(t, acc + 10 * Lanes.FLOATS);
        a32.intoArray(t, acc + 11 * Lanes.FLOATS);
        a03.intoArray(t, acc + 12 * Lanes.FLOATS);
        a13.intoArray(t, acc + 13 * Lanes.FLOATS);
        a23.intoArray(t, acc + 14 * Lanes.FLOATS);
        a33.intoArray(t, acc + 15 * Lanes.FLOATS);
    }

    private static void gemm4x1(float[] t, int t0, int len, float[] xs, int x0, int acc) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a10 = a00, a20 = a00, a30 = a00;
        int t1 = t0 + len, t2 = t1 + len, t3 = t2 + len;
        for (int c = 0; c < len; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, xs, x0 + c);
            FloatVector w = FloatVector.fromArray(Lanes.F, t, t0 + c);
            a00 = w.fma(v0, a00);
            w = FloatVector.fromArray(Lanes.F, t, t1 + c);
            a10 = w.fma(v0, a10);
            w = FloatVector.fromArray(Lanes.F, t, t2 + c);
            a20 = w.fma(v0, a20);
            w = FloatVector.fromArray(Lanes.F, t, t3 + c);
            a30 = w.fma(v0, a30);
        }
        a00.intoArray(t, acc);
        a10.intoArray(t, acc + 1 * Lanes.FLOATS);
        a20.intoArray(t, acc + 2 * Lanes.FLOATS);
        a30.intoArray(t, acc + 3 * Lanes.FLOATS);
    }

    private static void gemm1x1(float[] t, int t0, int len, float[] xs, int x0, int acc) {
        FloatVector a00 = FloatVector.zero(Lanes.F);
        for (int c = 0; c < len; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, xs, x0 + c);
            FloatVector w = FloatVector.fromArray(Lanes.F, t, t0 + c);
            a00 = w.fma(v0, a00);
        }
        a00.intoArray(t, acc);
    }
}
