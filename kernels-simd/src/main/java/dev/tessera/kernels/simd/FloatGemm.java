package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The batched (prefill) path: each tile of 4 weight rows is decoded once to floats in per-thread
 * scratch, then multiplied with the activation rows two at a time in float FMAs (8 accumulators,
 * 6 loads per 8 FMAs, which fits AVX2's 16 registers). For a batch of more than a few rows this
 * beats the integer kernels, whose per-block scale work repeats for every activation row; and the
 * activations stay unquantized.
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

    static void rows(RowDecoder w, int cols, float[] x, int xOffset, int n, int r0, int r1,
                     float[] out, int outOffset, int outRows, Scratch scratch) {
        float[] t = scratch.tile(4 * cols);
        int vec = cols / Lanes.FLOATS * Lanes.FLOATS;
        for (int r = r0; r < r1; r += 4) {
            int rr = Math.min(4, r1 - r);
            for (int k = 0; k < rr; k++) w.decodeRow(r + k, t, k * cols);
            if (rr < 4) {
                for (int k = 0; k < rr; k++) {
                    for (int i = 0; i < n; i++) out[outOffset + i * outRows + r + k] = dot(t, k * cols, x, xOffset + i * cols, cols, vec);
                }
                continue;
            }
            int i = 0;
            for (; i + 2 <= n; i += 2) tile4x2(t, cols, vec, x, xOffset + i * cols, out, outOffset + i * outRows + r, outRows);
            for (; i < n; i++) {
                for (int k = 0; k < 4; k++) out[outOffset + i * outRows + r + k] = dot(t, k * cols, x, xOffset + i * cols, cols, vec);
            }
        }
    }

    private static void tile4x2(float[] t, int cols, int vec, float[] x, int x0, float[] out, int o, int stride) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        int x1 = x0 + cols;
        for (int c = 0; c < vec; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(Lanes.F, x, x1 + c);
            FloatVector w0 = FloatVector.fromArray(Lanes.F, t, c);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, t, cols + c);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, t, 2 * cols + c);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            FloatVector w3 = FloatVector.fromArray(Lanes.F, t, 3 * cols + c);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
        }
        out[o] = a00.reduceLanes(VectorOperators.ADD) + tail(t, 0, x, x0, cols, vec);
        out[o + 1] = a10.reduceLanes(VectorOperators.ADD) + tail(t, cols, x, x0, cols, vec);
        out[o + 2] = a20.reduceLanes(VectorOperators.ADD) + tail(t, 2 * cols, x, x0, cols, vec);
        out[o + 3] = a30.reduceLanes(VectorOperators.ADD) + tail(t, 3 * cols, x, x0, cols, vec);
        out[o + stride] = a01.reduceLanes(VectorOperators.ADD) + tail(t, 0, x, x1, cols, vec);
        out[o + stride + 1] = a11.reduceLanes(VectorOperators.ADD) + tail(t, cols, x, x1, cols, vec);
        out[o + stride + 2] = a21.reduceLanes(VectorOperators.ADD) + tail(t, 2 * cols, x, x1, cols, vec);
        out[o + stride + 3] = a31.reduceLanes(VectorOperators.ADD) + tail(t, 3 * cols, x, x1, cols, vec);
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
}
