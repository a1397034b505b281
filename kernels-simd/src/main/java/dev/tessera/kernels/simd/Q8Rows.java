package dev.tessera.kernels.simd;

import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation rows converted to the format a weight type multiplies them in (ggml's
 * {@code vec_dot_type}), with the arithmetic of llama.cpp's x86 CPU backend so that products
 * agree with it:
 * <ul>
 * <li>{@code Q8_0}: per 32 elements {@code q = round-half-even(x·(127/amax))} and the scale
 *     {@code d = amax/127} rounded to FP16;</li>
 * <li>{@code Q8_1}: as Q8_0, plus {@code s = FP16(amax/127 · Σq)} (unrounded {@code d});</li>
 * <li>{@code Q8_K}: per 256 elements, with {@code m} the element of largest magnitude (sign kept),
 *     {@code q = min(127, round-half-even(−127/m · x))} and the float scale {@code d = 1/(−127/m)};</li>
 * <li>{@code F16}: the values rounded to half precision ({@link #values} only).</li>
 * </ul>
 * Codes are stored as shorts in the group layout of {@link Lanes} so the integer kernels load them
 * without shuffling. Reused across calls: it grows, never shrinks.
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
    /** Scale per 32-element block (a Q8_K super-block's scale repeated over its 8 blocks). */
    float[] d = new float[0];
    /** Per block, the format's {@code d·Σq} (for the zero-point and min corrections). */
    float[] s = new float[0];
    /** Per 16-element half block, in {@link #halfIndex} order: the block's scale. */
    float[] d16 = new float[0];
    /**
     * Per 16-element half block, in {@link #halfIndex} order: {@code d·Σq} over the half (Q8_1:
     * the block's {@code s} on the first half and 0 on the second, as its weights' offsets are
     * the same on both halves).
     */
    float[] s16 = new float[0];
    /**
     * Row-major {@code rows × cols}: the values the products see ({@code d·q}, or the F16
     * rounding), for the float kernels; filled only when asked for.
     */
    float[] values = new float[0];

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

    /**
     * For the interleaved 4-bit kernel's signed (Q4_0) lane sums, per row 8 ints per block: int
     * {@code k} packs {@code −8·(q[4k] + q[4k+2])} and {@code −8·(q[4k+1] + q[4k+3])} (low, high 16 bits).
     */
    int[] minus8 = new int[0];

    /**
     * Per row {@code 2·blocks} ints: the integer code sum of each 16-element half block, in element
     * order (Q8_K's {@code bsums}), for every format: the exact integer terms of the minimum and
     * offset parts (K-quant mins, Q4_0's −8 offset) add them up.
     */
    int[] qsum16 = new int[0];

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

    /**
     * Converts {@code n} rows of {@code cols} floats from {@code x[offset..]} to {@code format}
     * (Q8_0, Q8_1, Q8_K or F16; cols a multiple of the format's block); with
     * {@code wantValues} (always for F16) also fills {@link #values}.
     */
    void quantize(TensorType format, float[] x, int offset, int n, int cols, boolean wantValues) {
        this.rows = n;
        this.cols = cols;
        if (format == TensorType.F16) {
            ensureValues(n * cols);
            roundToHalf(x, offset, values, n * cols);
            return;
        }
        if (cols % format.blockLength() != 0) {
            throw new IllegalArgumentException("activation rows of " + cols + " floats: expected a multiple of "
                    + format.blockLength() + " for " + format);
        }
        this.blocks = cols / 32;
        this.rowStride = (blocks + Lanes.BLOCKS_PER_GROUP - 1) / Lanes.BLOCKS_PER_GROUP * Lanes.GROUP;
        this.blockStride = blocks + Lanes.FLOATS;
        if (q.length < n * rowStride) q = new short[n * rowStride];
        if (pairs.length < n * blocks * 16) {
            pairs = new int[n * blocks * 16];
            adjacent = new int[n * blocks * 16];
            minus8 = new int[n * blocks * 8];
        }
        if (qsum16.length < n * 2 * blocks) qsum16 = new int[n * 2 * blocks];
        if (d.length < n * blockStride) {
            d = new float[n * blockStride];
            s = new float[n * blockStride];
        }
        if (d16.length < n * halfStride()) {
            d16 = new float[n * halfStride()];
            s16 = new float[n * halfStride()];
        }
        if (wantValues) ensureValues(n * cols);
        for (int i = 0; i < n; i++) {
            int xo = offset + i * cols;
            int qo = i * rowStride;
            switch (format) {
                case Q8_0, Q8_1 -> {
                    for (int b = 0; b < blocks; b++) quantizeBlock(x, xo + 32 * b, qo, i, b, format == TensorType.Q8_1);
                }
                case Q8_K -> {
                    for (int sb = 0; sb < blocks / 8; sb++) quantizeSuperBlock(x, xo + 256 * sb, qo, i, 8 * sb);
                }
                default -> throw new IllegalArgumentException("activation format " + format + ": expected Q8_0, Q8_1, Q8_K or F16");
            }
            for (int b = 0; b < blocks; b++) {
                for (int k = 0; k < 8; k++) {
                    int e = 32 * b + 4 * k;
                    int q0 = q[qo + index(e)], q1 = q[qo + index(e + 1)], q2 = q[qo + index(e + 2)], q3 = q[qo + index(e + 3)];
                    int p = i * blocks * 16 + 16 * b + 2 * k;
                    pairs[p] = (q0 & 0xFFFF) | q1 << 16;
                    pairs[p + 1] = ((q2 - 16 * q0) & 0xFFFF) | (q3 - 16 * q1) << 16;
                    adjacent[p] = (q0 & 0xFFFF) | q1 << 16;
                    adjacent[p + 1] = (q2 & 0xFFFF) | q3 << 16;
                    minus8[i * blocks * 8 + 8 * b + k] = (-8 * (q0 + q2) & 0xFFFF) | -8 * (q1 + q3) << 16;
                }
            }
            if (wantValues) {
                for (int b = 0; b < blocks; b++) {
                    float db = d[i * blockStride + b];
                    for (int e = 0; e < 32; e++) values[i * cols + 32 * b + e] = db * q[qo + index(32 * b + e)];
                }
            }
        }
    }

    private void ensureValues(int size) {
        if (values.length < size) values = new float[size];
    }

    /** One Q8_0/Q8_1 block: {@code id = 127/amax} (0 for an all-zero block), {@code d = FP16(amax/127)}. */
    private void quantizeBlock(float[] x, int xo, int qo, int row, int b, boolean q81) {
        FloatVector amax = FloatVector.zero(Lanes.F);
        for (int e = 0; e < 32; e += Lanes.FLOATS) amax = amax.max(FloatVector.fromArray(Lanes.F, x, xo + e).abs());
        float max = amax.reduceLanes(VectorOperators.MAX);
        float scale = max / 127;
        float inv = max != 0 ? 127 / max : 0;
        int[] sums = quantizeRange(x, xo, 32, inv, qo + index(32 * b), qo + index(32 * b + 16), false);
        float dh = Float.float16ToFloat(Float.floatToFloat16(scale));
        int sum0 = sums[0], sum1 = sums[1];
        setSums16(row, b, sum0, sum1);
        float sBlock = q81 ? Float.float16ToFloat(Float.floatToFloat16(scale * (sum0 + sum1))) : dh * (sum0 + sum1);
        setScales(row, b, dh, sBlock, q81 ? sBlock : dh * sum0, q81 ? 0 : dh * sum1);
    }

    /**
     * One Q8_K super-block of 8 blocks starting at block {@code b0}: the first element of largest
     * magnitude sets {@code iscale = −127/m}; codes are clamped to 127 (only {@code m} itself can
     * round to ±127 exactly, the clamp guards the other sign).
     */
    private void quantizeSuperBlock(float[] x, int xo, int qo, int row, int b0) {
        FloatVector amaxV = FloatVector.zero(Lanes.F);
        for (int e = 0; e < 256; e += Lanes.FLOATS) amaxV = amaxV.max(FloatVector.fromArray(Lanes.F, x, xo + e).abs());
        float amax = amaxV.reduceLanes(VectorOperators.MAX);
        // A scalar search: mask lane extraction is not intrinsified everywhere and would allocate.
        float m = 0;
        for (int e = 0; e < 256 && amax != 0; e++) {
            if (Math.abs(x[xo + e]) == amax) {
                m = x[xo + e];
                break;
            }
        }
        float iscale = amax != 0 ? -127f / m : 0;
        float scale = amax != 0 ? 1 / iscale : 0;
        for (int k = 0; k < 8; k++) {
            int b = b0 + k;
            int[] sums = quantizeRange(x, xo + 32 * k, 32, iscale, qo + index(32 * b), qo + index(32 * b + 16), true);
            setSums16(row, b, sums[0], sums[1]);
            setScales(row, b, scale, scale * (sums[0] + sums[1]), scale * sums[0], scale * sums[1]);
        }
    }

    private final int[] halfSums = new int[2];

    /**
     * {@code q = round-half-even(x·inv)} for 32 elements (optionally at most 127), the first 16
     * stored at {@code q[lo..]}, the rest at {@code q[hi..]}; returns the two halves' code sums.
     * Rounding adds and subtracts 1.5·2^23, exact for |x·inv| ≤ 2^22; the Vector API has no
     * rounding operation.
     */
    private int[] quantizeRange(float[] x, int xo, int len, float inv, int lo, int hi, boolean clamp) {
        FloatVector sum0 = FloatVector.zero(Lanes.F), sum1 = sum0;
        for (int e = 0; e < len; e += Lanes.FLOATS) {
            FloatVector r = FloatVector.fromArray(Lanes.F, x, xo + e).mul(inv).add(ROUNDER).sub(ROUNDER);
            if (clamp) r = r.min(127f);
            if (e < 16) sum0 = sum0.add(r);
            else sum1 = sum1.add(r);
            r.convertShape(VectorOperators.F2S, Lanes.S_HALF, 0).reinterpretAsShorts().intoArray(q, (e < 16 ? lo + e : hi + e - 16));
        }
        halfSums[0] = (int) sum0.reduceLanes(VectorOperators.ADD);
        halfSums[1] = (int) sum1.reduceLanes(VectorOperators.ADD);
        return halfSums;
    }

    private void setScales(int row, int b, float scale, float sBlock, float sHalf0, float sHalf1) {
        int di = row * blockStride + b;
        d[di] = scale;
        s[di] = sBlock;
        int h0 = row * halfStride() + halfIndex(b, 0), h1 = row * halfStride() + halfIndex(b, 1);
        d16[h0] = scale;
        d16[h1] = scale;
        s16[h0] = sHalf0;
        s16[h1] = sHalf1;
    }

    private void setSums16(int row, int b, int sum0, int sum1) {
        qsum16[row * 2 * blocks + 2 * b] = sum0;
        qsum16[row * 2 * blocks + 2 * b + 1] = sum1;
    }

    /** Round to nearest even FP16 (the F16C conversion ggml uses), back to float. */
    private static void roundToHalf(float[] x, int offset, float[] out, int count) {
        for (int i = 0; i < count; i++) out[i] = Float.float16ToFloat(Float.floatToFloat16(x[offset + i]));
    }

    private static final float ROUNDER = 0x1.8p23f;
}
