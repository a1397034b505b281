package dev.tessera.kernels.simd;

import dev.tessera.quant.ReferenceDot;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import static dev.tessera.kernels.simd.Lanes.BLOCKS_PER_GROUP;
import static dev.tessera.kernels.simd.Lanes.SHORTS;

/**
 * Weights held as signed 8-bit codes with a float scale and offset per 16 elements
 * ({@code y = scale·code + offset}): Q8_0 as it is, and the other block types (Q4_1, Q5_0/1, the
 * K-quants) unpacked at load, so one integer kernel serves them all. Codes are stored in the
 * activations' group order ({@link Q8Rows#index}); scales and offsets in half-block order
 * ({@link Q8Rows#halfIndex}). A dot product is
 * {@code Σ_h scale_h·d_x·Σ code·qx + Σ_h offset_h·(d_x·Σ qx)}; the second sum and the combined
 * scales come from a vectorized pre-pass per row.
 *
 * <p>Inner loops are unrolled by hand (see {@link Q4Weight}).
 */
final class Int8Weight implements PackedWeight, FloatGemm.RowDecoder {
    private static final int ROW_TILE = 16;
    /**
     * The pairwise widening adds each int lane's two 16-bit products into its upper half
     * ({@code (v + (v << 16)) & 0xFFFF0000}, exact while the sum fits 16 bits): the ints are 2^16 times
     * the sums, undone by this factor in the scales.
     */
    static final float PAIR_SCALE = 0x1p-16f;

    final int rows;
    final int blocks;
    final int groups;
    /** Half blocks per row in the scale arrays (padded to whole groups). */
    final int halves;
    final byte[] codes;
    final float[] scales;
    /** Null when every offset is zero. */
    final float[] offsets;
    /** Q8_0 for Q8_0/Q5_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants. */
    private final TensorType activations;

    private Int8Weight(int rows, int blocks, byte[] codes, float[] scales, float[] offsets, TensorType activations) {
        this.rows = rows;
        this.blocks = blocks;
        this.groups = blocks / BLOCKS_PER_GROUP;
        this.halves = 2 * ((blocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP) * BLOCKS_PER_GROUP;
        this.codes = codes;
        this.scales = scales;
        this.offsets = offsets;
        this.activations = activations;
    }

    static Int8Weight pack(Tensor t, Parallel parallel) {
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int cols = Math.toIntExact(t.cols());
        int blocks = cols / 32;
        int rowCodes = (blocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP * Lanes.GROUP;
        long total = (long) rows * rowCodes;
        if (total > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] codes = new byte[(int) total];
        int halves = 2 * rowCodes / 32;
        float[] scales = new float[rows * halves + Lanes.FLOATS];
        float[] offsets = SubBlocks.hasOffsets(type) ? new float[rows * halves + Lanes.FLOATS] : null;
        Int8Pack.fill(t, parallel, codes, scales, offsets, rowCodes, halves);
        return new Int8Weight(rows, blocks, codes, scales, offsets, ReferenceDot.activationType(type));
    }

    @Override
    public TensorType activations() { return activations; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows a, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (n >= FloatGemm.MIN_BATCH) {
            FloatGemm.rows(this, 32 * blocks, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        float[] sc = scratch.scales(4 * halves + 4);
        if (n == 1) {
            int r = r0;
            for (; r + 4 <= r1; r += 4) dot4(a, r, sc, out, outOffset + r);
            for (; r < r1; r++) out[outOffset + r] = dot(a, 0, r, sc);
            return;
        }
        for (int t0 = r0; t0 < r1; t0 += ROW_TILE) {
            int t1 = Math.min(r1, t0 + ROW_TILE);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                for (int r = t0; r < t1; r++) dotRows4(a, i, r, sc, out, outOffset + i * outRows + r, outRows);
            }
            for (; i < n; i++) {
                for (int r = t0; r < t1; r++) out[outOffset + i * outRows + r] = dot(a, i, r, sc);
            }
        }
    }

    /**
     * {@code sc[k·halves + h] = scale[row, h] · d_x[act, h] · 2^-16} for {@code count} (row, act)
     * pairs, and in {@code sc[4·halves + k]} the pair's offset term {@code Σ_h offset·(d_x·Σ qx)}.
     */
    private void prepareScales(float[] sc, int count, int row, int rowStep, Q8Rows a, int act, int actStep) {
        for (int k = 0; k < count; k++) {
            int w0 = (row + k * rowStep) * halves, x0 = (act + k * actStep) * a.halfStride(), s0 = k * halves;
            FloatVector corr = FloatVector.zero(Lanes.F);
            int h = 0;
            for (; h + Lanes.FLOATS <= halves; h += Lanes.FLOATS) {
                FloatVector.fromArray(Lanes.F, scales, w0 + h).mul(FloatVector.fromArray(Lanes.F, a.d16, x0 + h))
                        .mul(PAIR_SCALE).intoArray(sc, s0 + h);
                if (offsets != null) corr = FloatVector.fromArray(Lanes.F, offsets, w0 + h).fma(FloatVector.fromArray(Lanes.F, a.s16, x0 + h), corr);
            }
            float c = corr.reduceLanes(VectorOperators.ADD);
            for (; h < halves; h++) {
                sc[s0 + h] = scales[w0 + h] * a.d16[x0 + h] * PAIR_SCALE;
                if (offsets != null) c += offsets[w0 + h] * a.s16[x0 + h];
            }
            sc[4 * halves + k] = c;
        }
    }

    private void dot4(Q8Rows a, int r, float[] sc, float[] out, int o) {
        prepareScales(sc, 4, r, 1, a, 0, 0);
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int rowBytes = halves * 16;
        int r0 = r * rowBytes;
        for (int g = 0; g < groups; g++) {
            int xo = g * 2 * SHORTS;
            ShortVector xa = ShortVector.fromArray(Lanes.S, a.q, xo);
            ShortVector xb = ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS);
            int q0 = r0 + g * 2 * SHORTS;
            int so = g * 2 * BLOCKS_PER_GROUP;
                {
                    int qo = q0 + 0 * rowBytes;
                    ShortVector p1 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xa);
                    ShortVector p2 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xb);
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc0 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                    acc0 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                }
                {
                    int qo = q0 + 1 * rowBytes;
                    ShortVector p1 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xa);
                    ShortVector p2 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xb);
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                    acc1 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                }
                {
                    int qo = q0 + 2 * rowBytes;
                    ShortVector p1 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xa);
                    ShortVector p2 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xb);
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc2 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                    acc2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                }
                {
                    int qo = q0 + 3 * rowBytes;
                    ShortVector p1 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xa);
                    ShortVector p2 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xb);
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc3 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                    acc3 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                }
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + rest(a, 0, r, sc, 0);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 1, sc, 1);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 2, sc, 2);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 3, sc, 3);
    }

    private void dotRows4(Q8Rows a, int i, int r, float[] sc, float[] out, int o, int stride) {
        prepareScales(sc, 4, r, 0, a, i, 1);
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int r0 = r * halves * 16;
        int rs = a.rowStride;
        int x0 = i * rs;
        for (int g = 0; g < groups; g++) {
            int q0 = r0 + g * 2 * SHORTS;
            ShortVector w1 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, q0).convertShape(VectorOperators.B2S, Lanes.S, 0);
            ShortVector w2 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, q0 + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0);
            int xg = x0 + g * 2 * SHORTS;
            int so = g * 2 * BLOCKS_PER_GROUP;
                {
                    int xo = xg + 0 * rs;
                    ShortVector p1 = w1.mul(ShortVector.fromArray(Lanes.S, a.q, xo));
                    ShortVector p2 = w2.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS));
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc0 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                    acc0 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                }
                {
                    int xo = xg + 1 * rs;
                    ShortVector p1 = w1.mul(ShortVector.fromArray(Lanes.S, a.q, xo));
                    ShortVector p2 = w2.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS));
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                    acc1 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                }
                {
                    int xo = xg + 2 * rs;
                    ShortVector p1 = w1.mul(ShortVector.fromArray(Lanes.S, a.q, xo));
                    ShortVector p2 = w2.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS));
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc2 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                    acc2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                }
                {
                    int xo = xg + 3 * rs;
                    ShortVector p1 = w1.mul(ShortVector.fromArray(Lanes.S, a.q, xo));
                    ShortVector p2 = w2.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS));
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc3 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * halves]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * halves).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                    acc3 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * halves + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * halves + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                }
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + rest(a, i, r, sc, 0);
        out[o + stride] = acc1.reduceLanes(VectorOperators.ADD) + rest(a, i + 1, r, sc, 1);
        out[o + 2 * stride] = acc2.reduceLanes(VectorOperators.ADD) + rest(a, i + 2, r, sc, 2);
        out[o + 3 * stride] = acc3.reduceLanes(VectorOperators.ADD) + rest(a, i + 3, r, sc, 3);
    }

    private float dot(Q8Rows a, int i, int r, float[] sc) {
        prepareScales(sc, 1, r, 0, a, i, 0);
        FloatVector acc = FloatVector.zero(Lanes.F);
        int r0 = r * halves * 16;
        int x0 = i * a.rowStride;
        for (int g = 0; g < groups; g++) {
            int xo = x0 + g * 2 * SHORTS;
            ShortVector xa = ShortVector.fromArray(Lanes.S, a.q, xo);
            ShortVector xb = ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS);
            int q0 = r0 + g * 2 * SHORTS;
            int so = g * 2 * BLOCKS_PER_GROUP;
                {
                    int qo = q0;
                    ShortVector p1 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xa);
                    ShortVector p2 = ((ShortVector) ByteVector.fromArray(Lanes.B_HALF, codes, qo + SHORTS).convertShape(VectorOperators.B2S, Lanes.S, 0)).mul(xb);
                    IntVector i1 = p1.reinterpretAsInts();
                    i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    IntVector i2 = p2.reinterpretAsInts();
                    i2 = i2.add(i2.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so]) : FloatVector.fromArray(Lanes.F, sc, so).rearrange(Lanes.BLOCK_SPREAD)), acc);
                    acc = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, so + BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc);
                }
        }
        return acc.reduceLanes(VectorOperators.ADD) + rest(a, i, r, sc, 0);
    }

    /** Blocks after the last whole group (scalar) plus the offset term of pair {@code k}. */
    private float rest(Q8Rows a, int i, int r, float[] sc, int k) {
        float sum = sc[4 * halves + k];
        int q0 = r * halves * 16, x0 = i * a.rowStride, s0 = k * halves;
        for (int b = groups * BLOCKS_PER_GROUP; b < blocks; b++) {
            for (int h = 0; h < 2; h++) {
                int isum = 0;
                for (int e = 32 * b + 16 * h; e < 32 * b + 16 * h + 16; e++) isum += codes[q0 + Q8Rows.index(e)] * a.q[x0 + Q8Rows.index(e)];
                sum += sc[s0 + Q8Rows.halfIndex(b, h)] / PAIR_SCALE * isum;
            }
        }
        return sum;
    }

    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        int rowCodes = halves * 16;
        for (int b = 0; b < blocks; b++) {
            for (int h = 0; h < 2; h++) {
                int hi = r * halves + Q8Rows.halfIndex(b, h);
                float s = scales[hi], o = offsets != null ? offsets[hi] : 0f;
                int src = r * rowCodes + Q8Rows.index(32 * b + 16 * h), at = offset + 32 * b + 16 * h;
                for (int k = 0; k < 16; k += Lanes.FLOATS) {
                    ((FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, codes, src + k).convertShape(VectorOperators.B2F, Lanes.F, 0))
                            .fma(s, o).intoArray(dst, at + k);
                }
            }
        }
    }
}
