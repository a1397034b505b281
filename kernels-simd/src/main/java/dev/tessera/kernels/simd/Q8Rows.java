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
    /** Per 16-element half block, in {@link #halfIndex} order: the block's scale. */
    float[] d16 = new float[0];
    /** Per 16-element half block, in {@link #halfIndex} order: {@code d · Σ q} over the half. */
    float[] s16 = new float[0];

    /**
     * For the interleaved 4-bit kernel, per row 16 ints per block: int {@code 2k} packs the codes of
     * elements {@code 4k, 4k+1} (low, high 16 bits), int {@code 2k+1} packs
     * {@code q[4k+2] − 16·q[4k]} and {@code q[4k+3] − 16·q[4k+1]} (wrapping; see {@link Q4Weight}).
     */
    int[] pairs = new int[0];

    /**
     * For the interleaved 8-bit kernel, per row 16 ints per block: int {@code m} packs the codes of
     * elements {@code 2m} (low 16 bits) and {@code 2m+1} (high 16 bits); see {@link Q8Weight}.
     */
    int[] adjacent = new int[0];

    /** Floats per row in {@link #d16} and {@link #s16}. */
    int halfStride() {
        return 2 * blockStride;
    }

    /** Index in a row's shorts of element {@code e}. */
    static int index(int e) {
        int b = e >>> 5, k = e & 31;
        int g = b / Lanes.BLOCKS_PER_GROUP, j = b % Lanes.BLOCKS_PER_GROUP;
        return g * 2 * Lanes.SHORTS + (k < 16 ? 0 : Lanes.SHORTS) + j * 16 + (k & 15);
    }

    /**
     * Index among a row's half blocks of half {@code h} (0 or 1) of block {@code b}: per group, the
     * first halves of its blocks, then their second halves (the order of {@link #index}).
     */
    static int halfIndex(int b, int h) {
        int g = b / Lanes.BLOCKS_PER_GROUP, j = b % Lanes.BLOCKS_PER_GROUP;
        return g * 2 * Lanes.BLOCKS_PER_GROUP + h * Lanes.BLOCKS_PER_GROUP + j;
    }

    /** Quantizes {@code n} rows of {@code cols} floats (a multiple of 32) from {@code x[offset..]}. */
    void quantize(float[] x, int offset, int n, int cols) {
        this.rows = n;
        this.cols = cols;
        this.blocks = cols / 32;
        this.rowStride = (blocks + Lanes.BLOCKS_PER_GROUP - 1) / Lanes.BLOCKS_PER_GROUP * Lanes.GROUP;
        this.blockStride = blocks + Lanes.FLOATS;
        if (q.length < n * rowStride) q = new short[n * rowStride];
        if (pairs.length < n * blocks * 16) {
            pairs = new int[n * blocks * 16];
            adjacent = new int[n * blocks * 16];
        }
        if (d.length < n * blockStride) {
            d = new float[n * blockStride];
            s = new float[n * blockStride];
        }
        if (d16.length < n * halfStride()) {
            d16 = new float[n * halfStride()];
            s16 = new float[n * halfStride()];
        }
        for (int i = 0; i < n; i++) {
            int xo = offset + i * cols;
            int qo = i * rowStride;
            for (int b = 0; b < blocks; b++) quantizeBlock(x, xo + 32 * b, qo, b, i * blockStride + b);
            for (int b = 0; b < blocks; b++) {
                for (int k = 0; k < 8; k++) {
                    int e = 32 * b + 4 * k;
                    int q0 = q[qo + index(e)], q1 = q[qo + index(e + 1)], q2 = q[qo + index(e + 2)], q3 = q[qo + index(e + 3)];
                    int p = i * blocks * 16 + 16 * b + 2 * k;
                    pairs[p] = (q0 & 0xFFFF) | q1 << 16;
                    pairs[p + 1] = ((q2 - 16 * q0) & 0xFFFF) | (q3 - 16 * q1) << 16;
                    adjacent[p] = (q0 & 0xFFFF) | q1 << 16;
                    adjacent[p + 1] = (q2 & 0xFFFF) | q3 << 16;
                }
            }
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
        FloatVector sum0 = FloatVector.zero(Lanes.F), sum1 = sum0;
        for (int e = 0; e < 32; e += Lanes.FLOATS) {
            FloatVector r = FloatVector.fromArray(Lanes.F, x, xo + e).mul(inv).add(ROUNDER).sub(ROUNDER);
            if (e < 16) sum0 = sum0.add(r);
            else sum1 = sum1.add(r);
            r.convertShape(VectorOperators.F2S, Lanes.S_HALF, 0).reinterpretAsShorts().intoArray(q, qo + index(32 * b + e));
        }
        float s0 = scale * sum0.reduceLanes(VectorOperators.ADD), s1 = scale * sum1.reduceLanes(VectorOperators.ADD);
        d[di] = scale;
        s[di] = s0 + s1;
        int row = di / blockStride, h0 = row * halfStride() + halfIndex(b, 0), h1 = row * halfStride() + halfIndex(b, 1);
        d16[h0] = scale;
        d16[h1] = scale;
        s16[h0] = s0;
        s16[h1] = s1;
    }

    private static final float ROUNDER = 0x1.8p23f;
}
