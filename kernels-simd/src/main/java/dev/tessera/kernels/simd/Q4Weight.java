package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.tessera.kernels.simd.Lanes.BLOCKS_PER_GROUP;
import static dev.tessera.kernels.simd.Lanes.SHORTS;

/**
 * 4-bit weights (Q4_0, Q4_1, Q4_K) repacked at load: the 16 nibble bytes of every 32-element block
 * back to back ({@code qs}, element {@code j} in the low nibble of byte {@code j}, element
 * {@code j+16} in the high nibble), plus per block either the FP16 scale of Q4_0 ({@code dh}, so
 * Q4_0 streams 18 bytes per block as the file does) or a float scale and offset
 * ({@code y = scale·q + offset}; Q4_1's {@code d, m}, Q4_K's {@code d·sc, −dmin·m}). Dot products run
 * on integers against Q8 activations: {@code Σ_b scale·d_x·Σ q·qx + Σ_b offset·(d_x·Σ qx)}, with
 * Q4_0's offset {@code −8·d}. Before each row pass a vectorized pre-pass multiplies the rows'
 * scales by the activation scales and computes the offset sum, so the inner loop does one
 * broadcast and one FMA per block.
 *
 * <p>The inner loops are unrolled by hand over 4 rows (or 4 activation rows): a helper method per
 * row would stop being inlined (C2's node-count cutoff) and its vectors would be boxed.
 */
final class Q4Weight implements PackedWeight {
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
    final byte[] qs;
    /** Q4_0: FP16 scale per block; else null. */
    final short[] dh;
    /** Q4_1/Q4_K: float scale and offset per block; else null. */
    final float[] scales;
    final float[] offsets;

    private Q4Weight(int rows, int blocks, byte[] qs, short[] dh, float[] scales, float[] offsets) {
        this.rows = rows;
        this.blocks = blocks;
        this.groups = blocks / BLOCKS_PER_GROUP;
        this.qs = qs;
        this.dh = dh;
        this.scales = scales;
        this.offsets = offsets;
    }

    static Q4Weight pack(Tensor t) {
        return t.type() == TensorType.Q4_0 ? packQ4_0(t) : packScaled(t);
    }

    /** Q4_1 or Q4_K: codes regrouped per 32 elements, scales and offsets as floats. */
    private static Q4Weight packScaled(Tensor t) {
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        long nb = (long) rows * blocks;
        if (nb * 16 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) nb * 16];
        float[] scales = new float[(int) nb + Lanes.FLOATS];
        float[] offsets = new float[(int) nb + Lanes.FLOATS];
        byte[] codes = new byte[32];
        float[] sc = new float[2], off = new float[2];
        long rowBytes = t.rowBytes();
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                SubBlocks.split(t.type(), t.data(), r * rowBytes, b, codes, sc, off);
                int i = r * blocks + b;
                for (int j = 0; j < 16; j++) qs[16 * i + j] = (byte) (codes[j] | codes[j + 16] << 4);
                scales[i] = sc[0];
                offsets[i] = off[0];
            }
        }
        return new Q4Weight(rows, blocks, qs, null, scales, offsets);
    }

    private static Q4Weight packQ4_0(Tensor t) {
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        long nb = (long) rows * blocks;
        if (nb * 16 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) nb * 16];
        short[] dh = new short[(int) nb + Lanes.FLOATS];
        MemorySegment src = t.data();
        for (long b = 0; b < nb; b++) {
            dh[(int) b] = src.get(LittleEndian.SHORT, b * 18);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, b * 18 + 2, qs, (int) b * 16, 16);
        }
        return new Q4Weight(rows, blocks, qs, dh, null, null);
    }

    @Override
    public boolean wantsQ8(int n) { return n < FloatGemm.MIN_BATCH; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows a, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (n >= FloatGemm.MIN_BATCH) {
            FloatGemm.rows(this, 32 * blocks, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        float[] sc = scratch.scales(4 * blocks + 4);
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
     * {@code sc[k·blocks + b] = scale[row, b] · d_x[act, b] · 2^-16} for {@code count} (row, act) pairs,
     * and in {@code sc[4·blocks + k]} the pair's offset term {@code Σ_b offset·(d_x·Σ qx)}.
     */
    private void prepareScales(float[] sc, int count, int row, int rowStep, Q8Rows a, int act, int actStep) {
        for (int k = 0; k < count; k++) {
            int d0 = (row + k * rowStep) * blocks, x0 = (act + k * actStep) * a.blockStride, s0 = k * blocks;
            FloatVector corr = FloatVector.zero(Lanes.F);
            int b = 0;
            float c;
            if (dh != null) {
                for (; b + Lanes.FLOATS <= blocks; b += Lanes.FLOATS) {
                    FloatVector dw = Half.load(dh, d0 + b);
                    dw.mul(FloatVector.fromArray(Lanes.F, a.d, x0 + b)).mul(PAIR_SCALE).intoArray(sc, s0 + b);
                    corr = dw.fma(FloatVector.fromArray(Lanes.F, a.s, x0 + b), corr);
                }
                c = -8 * corr.reduceLanes(VectorOperators.ADD);
                for (; b < blocks; b++) {
                    float dw = Float.float16ToFloat(dh[d0 + b]);
                    sc[s0 + b] = dw * a.d[x0 + b] * PAIR_SCALE;
                    c -= 8 * dw * a.s[x0 + b];
                }
            } else {
                for (; b + Lanes.FLOATS <= blocks; b += Lanes.FLOATS) {
                    FloatVector.fromArray(Lanes.F, scales, d0 + b).mul(FloatVector.fromArray(Lanes.F, a.d, x0 + b)).mul(PAIR_SCALE).intoArray(sc, s0 + b);
                    corr = FloatVector.fromArray(Lanes.F, offsets, d0 + b).fma(FloatVector.fromArray(Lanes.F, a.s, x0 + b), corr);
                }
                c = corr.reduceLanes(VectorOperators.ADD);
                for (; b < blocks; b++) {
                    sc[s0 + b] = scales[d0 + b] * a.d[x0 + b] * PAIR_SCALE;
                    c += offsets[d0 + b] * a.s[x0 + b];
                }
            }
            sc[4 * blocks + k] = c;
        }
    }

    /** Four rows from {@code r} against activation row 0, sharing each activation load. */
    private void dot4(Q8Rows a, int r, float[] sc, float[] out, int o) {
        prepareScales(sc, 4, r, 1, a, 0, 0);
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int rowBytes = blocks * 16;
        int q0 = r * rowBytes;
        for (int g = 0; g < groups; g++) {
            int xo = g * 2 * SHORTS;
            ShortVector xlo = ShortVector.fromArray(Lanes.S, a.q, xo);
            ShortVector xhi = ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS);
            int qo = q0 + g * SHORTS;
            int so = g * BLOCKS_PER_GROUP;
                {
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, qo + 0 * rowBytes).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    ShortVector p = w.and((short) 0xF).mul(xlo).add(w.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc0 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                }
                {
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, qo + 1 * rowBytes).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    ShortVector p = w.and((short) 0xF).mul(xlo).add(w.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc1 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                }
                {
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, qo + 2 * rowBytes).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    ShortVector p = w.and((short) 0xF).mul(xlo).add(w.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc2 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                }
                {
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, qo + 3 * rowBytes).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    ShortVector p = w.and((short) 0xF).mul(xlo).add(w.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc3 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                }
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + rest(a, 0, r, sc, 0);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 1, sc, 1);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 2, sc, 2);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD) + rest(a, 0, r + 3, sc, 3);
    }

    /** Row {@code r} against four activation rows from {@code i}, unpacking each weight group once. */
    private void dotRows4(Q8Rows a, int i, int r, float[] sc, float[] out, int o, int stride) {
        prepareScales(sc, 4, r, 0, a, i, 1);
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int q0 = r * blocks * 16;
        int rs = a.rowStride;
        int x0 = i * rs;
        for (int g = 0; g < groups; g++) {
            ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, q0 + g * SHORTS).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
            ShortVector lo = w.and((short) 0xF);
            ShortVector hi = w.lanewise(VectorOperators.LSHR, 4);
            int xg = x0 + g * 2 * SHORTS;
            int so = g * BLOCKS_PER_GROUP;
                {
                    int xo = xg + 0 * rs;
                    ShortVector p = lo.mul(ShortVector.fromArray(Lanes.S, a.q, xo)).add(hi.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS)));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc0 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 0 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 0 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc0);
                }
                {
                    int xo = xg + 1 * rs;
                    ShortVector p = lo.mul(ShortVector.fromArray(Lanes.S, a.q, xo)).add(hi.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS)));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc1 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 1 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 1 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc1);
                }
                {
                    int xo = xg + 2 * rs;
                    ShortVector p = lo.mul(ShortVector.fromArray(Lanes.S, a.q, xo)).add(hi.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS)));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc2 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 2 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 2 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc2);
                }
                {
                    int xo = xg + 3 * rs;
                    ShortVector p = lo.mul(ShortVector.fromArray(Lanes.S, a.q, xo)).add(hi.mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS)));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
                    acc3 = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[so + 3 * blocks]) : FloatVector.fromArray(Lanes.F, sc, so + 3 * blocks).rearrange(Lanes.BLOCK_SPREAD)), acc3);
                }
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + rest(a, i, r, sc, 0);
        out[o + stride] = acc1.reduceLanes(VectorOperators.ADD) + rest(a, i + 1, r, sc, 1);
        out[o + 2 * stride] = acc2.reduceLanes(VectorOperators.ADD) + rest(a, i + 2, r, sc, 2);
        out[o + 3 * stride] = acc3.reduceLanes(VectorOperators.ADD) + rest(a, i + 3, r, sc, 3);
    }

    /** Row {@code r} against activation row {@code i}. */
    private float dot(Q8Rows a, int i, int r, float[] sc) {
        prepareScales(sc, 1, r, 0, a, i, 0);
        FloatVector acc = FloatVector.zero(Lanes.F);
        int q0 = r * blocks * 16;
        int x0 = i * a.rowStride;
        for (int g = 0; g < groups; g++) {
            int xo = x0 + g * 2 * SHORTS;
            ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, q0 + g * SHORTS).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
            ShortVector p = w.and((short) 0xF).mul(ShortVector.fromArray(Lanes.S, a.q, xo))
                    .add(w.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(Lanes.S, a.q, xo + SHORTS)));
            IntVector pi = p.reinterpretAsInts();
            IntVector sum = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma((BLOCKS_PER_GROUP == 1 ? FloatVector.broadcast(Lanes.F, sc[g * BLOCKS_PER_GROUP]) : FloatVector.fromArray(Lanes.F, sc, g * BLOCKS_PER_GROUP).rearrange(Lanes.BLOCK_SPREAD)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + rest(a, i, r, sc, 0);
    }

    /**
     * The blocks after the last whole group (scalar) plus the offset term of pair {@code k}
     * prepared by {@link #prepareScales}.
     */
    private float rest(Q8Rows a, int i, int r, float[] sc, int k) {
        float sum = sc[4 * blocks + k];
        if (groups * BLOCKS_PER_GROUP == blocks) return sum;
        int q0 = r * blocks * 16, x0 = i * a.rowStride, s0 = k * blocks;
        for (int b = groups * BLOCKS_PER_GROUP; b < blocks; b++) {
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int v = qs[q0 + 16 * b + j] & 0xFF;
                isum += (v & 0xF) * a.q[x0 + Q8Rows.index(32 * b + j)] + (v >>> 4) * a.q[x0 + Q8Rows.index(32 * b + 16 + j)];
            }
            sum += sc[s0 + b] / PAIR_SCALE * isum;
        }
        return sum;
    }

    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        for (int b = 0; b < blocks; b++) {
            int i = r * blocks + b;
            float d = dh != null ? Float.float16ToFloat(dh[i]) : scales[i];
            float o = dh != null ? -8 * d : offsets[i];
            int at = offset + 32 * b;
            for (int j = 0; j < 16; j += Lanes.FLOATS) {
                IntVector v = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, qs, 16 * i + j).convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(d, o).intoArray(dst, at + j);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d, o).intoArray(dst, at + 16 + j);
            }
        }
    }
}
