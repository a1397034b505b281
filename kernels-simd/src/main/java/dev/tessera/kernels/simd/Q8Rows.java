package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation rows quantized to 8 bits per 32-element block (Q8_0 style: {@code x ≈ d·q},
 * {@code |q| ≤ 127}), stored as shorts in the group layout of {@link Lanes} so the integer kernels
 * load them without shuffling. Reused across calls: it grows, never shrinks.
 */
final class Q8Rows {
    int rows;
    int cols;
    int blocks;
    /** Shorts per row (cols rounded up to whole groups). */
    int rowStride;
    /** Floats per row in {@link #d} and {@link #s} (blocks plus one vector of padding). */
    int blockStride;
    short[] q = new short[0];
    /** Scale per block. */
    float[] d = new float[0];
    /** {@code d · Σ q} per block (for the zero-point and min corrections). */
    float[] s = new float[0];

    /** Index in a row's shorts of element {@code e}. */
    static int index(int e) {
        int b = e >>> 5, k = e & 31;
        int g = b / Lanes.BLOCKS_PER_GROUP, j = b % Lanes.BLOCKS_PER_GROUP;
        return g * 2 * Lanes.SHORTS + (k < 16 ? 0 : Lanes.SHORTS) + j * 16 + (k & 15);
    }

    /** Quantizes {@code n} rows of {@code cols} floats (a multiple of 32) from {@code x[offset..]}. */
    void quantize(float[] x, int offset, int n, int cols) {
        this.rows = n;
        this.cols = cols;
        this.blocks = cols / 32;
        this.rowStride = (blocks + Lanes.BLOCKS_PER_GROUP - 1) / Lanes.BLOCKS_PER_GROUP * Lanes.GROUP;
        this.blockStride = blocks + Lanes.FLOATS;
        if (q.length < n * rowStride) q = new short[n * rowStride];
        if (d.length < n * blockStride) {
            d = new float[n * blockStride];
            s = new float[n * blockStride];
        }
        for (int i = 0; i < n; i++) {
            int xo = offset + i * cols;
            int qo = i * rowStride;
            for (int b = 0; b < blocks; b++) quantizeBlock(x, xo + 32 * b, qo, b, i * blockStride + b);
        }
    }

    /**
     * One block: {@code d = amax/127}, {@code q = round-half-even(x/d)}. Rounding adds and subtracts
     * 1.5·2^23, exact for |x/d| ≤ 127; the Vector API has no rounding operation.
     */
    private void quantizeBlock(float[] x, int xo, int qo, int b, int di) {
        FloatVector amax = FloatVector.zero(Lanes.F);
        for (int e = 0; e < 32; e += Lanes.FLOATS) amax = amax.max(FloatVector.fromArray(Lanes.F, x, xo + e).abs());
        float scale = amax.reduceLanes(VectorOperators.MAX) / 127;
        float inv = scale != 0 ? 1 / scale : 0;
        FloatVector sum = FloatVector.zero(Lanes.F);
        for (int e = 0; e < 32; e += Lanes.FLOATS) {
            FloatVector r = FloatVector.fromArray(Lanes.F, x, xo + e).mul(inv).add(ROUNDER).sub(ROUNDER);
            sum = sum.add(r);
            r.convertShape(VectorOperators.F2S, Lanes.S_HALF, 0).reinterpretAsShorts().intoArray(q, qo + index(32 * b + e));
        }
        d[di] = scale;
        s[di] = scale * sum.reduceLanes(VectorOperators.ADD);
    }

    private static final float ROUNDER = 0x1.8p23f;
}
