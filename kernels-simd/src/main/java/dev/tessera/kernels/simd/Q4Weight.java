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

/**
 * 4-bit weights (Q4_0, Q4_1, Q4_K) repacked at load into groups of {@link #R} rows interleaved so
 * that one vector lane pair belongs to one row: for row group {@code G}, block {@code b} and chunk
 * {@code k < 8}, {@code SHORTS} bytes hold, at byte {@code 2j + t}, row {@code j}'s codes of elements
 * {@code 4k+t} (low nibble) and {@code 4k+2+t} (high nibble). The activation values these meet are
 * the same for every row, so they arrive as one broadcast 32-bit pair, and the 16 products of a
 * block accumulate in 16-bit lanes (at most 16·15·127 = 30480). Per block and row group the kernel
 * then does one pairwise widening, one conversion and one FMA with a vector of the group's row
 * scales, where a row-major layout needs a broadcast and an FMA per row; the float accumulator's
 * lanes are the rows' results, so no horizontal sum is needed.
 *
 * <p>Nibbles are not separated: with the byte {@code w = lo + 16·hi} and the activation pair
 * {@code xmix = x' − 16·x} (prepared in {@link Q8Rows#pairs}), {@code w·x + (w >> 4)·xmix =
 * lo·x + hi·x'}; both products may wrap in 16 bits, the sum is exact because it fits.
 *
 * <p>Scales ({@code y = scale·q + offset}): Q4_0 keeps its FP16 scales ({@code dh}, converted in
 * registers, so it streams 18 bytes per block as the file does) with the offset {@code −8·d}; Q4_K
 * keeps its 6-bit scales and mins as bytes per block and its {@code d, −dmin} per super-block as
 * floats, multiplied in registers ({@code d·sc, −dmin·m}, the same float products ggml forms), so it
 * streams 19 bytes per 32 weights (the file 18); Q4_1 keeps a float scale and offset per block. The offset
 * term {@code Σ_b offset·(d_x·Σ qx)} is one more FMA per block and group.
 */
final class Q4Weight implements PackedWeight {
    /** Rows per interleaved group. */
    static final int R = Lanes.SHORTS / 2;
    private static final int CHUNK = Lanes.SHORTS;

    final int rows;
    final int blocks;
    final int rowGroups;
    final byte[] qs;
    /** Q4_0: FP16 scale per (group, block, row); else null. */
    final short[] dh;
    /** Q4_1: float scale and offset per (group, block, row); else null. */
    final float[] scales;
    final float[] offsets;
    /** Q4_K: 6-bit scale and min per (group, block, row); else null. */
    final byte[] kScales;
    final byte[] kMins;
    /** Q4_K: {@code d} and {@code −dmin} per (group, super-block, row) as floats (1 byte per 32 weights); else null. */
    final float[] kd;
    final float[] kdMin;

    /** Q8_0 for Q4_0, Q8_1 for Q4_1, Q8_K for Q4_K. */
    private final TensorType activations;

    private Q4Weight(int rows, int blocks, byte[] qs, short[] dh, float[] scales, float[] offsets,
                     byte[] kScales, byte[] kMins, float[] kd, float[] kdMin, TensorType activations) {
        this.rows = rows;
        this.blocks = blocks;
        this.rowGroups = (rows + R - 1) / R;
        this.qs = qs;
        this.dh = dh;
        this.scales = scales;
        this.offsets = offsets;
        this.kScales = kScales;
        this.kMins = kMins;
        this.kd = kd;
        this.kdMin = kdMin;
        this.activations = activations;
    }

    static Q4Weight pack(Tensor t, Parallel parallel) {
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + R - 1) / R;
        long slots = (long) groups * blocks * R;
        if (slots * 16 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) slots * 16];
        boolean q40 = type == TensorType.Q4_0, q4k = type == TensorType.Q4_K;
        short[] dh = q40 ? new short[(int) slots + Lanes.FLOATS] : null;
        float[] scales = type == TensorType.Q4_1 ? new float[(int) slots + Lanes.FLOATS] : null;
        float[] offsets = type == TensorType.Q4_1 ? new float[(int) slots + Lanes.FLOATS] : null;
        byte[] kScales = q4k ? new byte[(int) slots + Lanes.FLOATS] : null;
        byte[] kMins = q4k ? new byte[(int) slots + Lanes.FLOATS] : null;
        float[] kd = q4k ? new float[(int) slots / 8 + Lanes.FLOATS] : null;
        float[] kdMin = q4k ? new float[(int) slots / 8 + Lanes.FLOATS] : null;
        Q4Pack.fill(t, parallel, qs, dh, scales, offsets, kScales, kMins, kd, kdMin);
        return new Q4Weight(rows, blocks, qs, dh, scales, offsets, kScales, kMins, kd, kdMin, ReferenceDot.activationType(type));
    }

    @Override
    public TensorType activations() { return activations; }

    /** Every batch size runs on the integer codes. */
    @Override
    public boolean readsValues(int n) { return false; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows a, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (r0 % R != 0) throw new IllegalStateException("row range must start at a multiple of " + R + ": " + r0);
        int g1 = (r1 + R - 1) / R;
        if (n >= FloatGemm.MIN_BATCH) {
            batched(a, n, r0 / R, g1, r1, out, outOffset, outRows, scratch);
            return;
        }
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R));
        }
    }

    /** The {@code R} rows of group {@code g} against activation row {@code i}; stores the first {@code valid}. */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        if (dh != null) groupQ40(a, i, g, out, o, valid);
        else if (kd != null) groupQ4K(a, i, g, out, o, valid);
        else groupQ41(a, i, g, out, o, valid);
    }

    // One method per scale layout, each with its block sum written out: vectors cross no call
    // boundary other than the tiny helpers, since a call C2 leaves out of line (a large compiled
    // callee) boxes the vectors it returns, which allocates per block.

    private void groupQ40(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F), corr = acc;
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK, pp = pb + 16 * b;
            ShortVector s = ShortVector.zero(Lanes.S);
            for (int k = 0; k < 8; k++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                ShortVector x0 = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k]).reinterpretAsShorts();
                ShortVector xm = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k + 1]).reinterpretAsShorts();
                s = s.add(w.mul(x0)).add(w.lanewise(VectorOperators.LSHR, 4).mul(xm));
            }
            IntVector si = s.reinterpretAsInts();
            FloatVector sum = (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
            FloatVector dw = Half.load(dh, (g * blocks + b) * R);
            acc = sum.fma(dw.mul(a.d[db + b]), acc);
            corr = dw.fma(FloatVector.broadcast(Lanes.F, a.s[db + b]), corr);
        }
        storeRows(corr.mul(-8f).add(acc), out, o, valid);
    }

    private void groupQ4K(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F), corr = acc;
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK, pp = pb + 16 * b;
            ShortVector s = ShortVector.zero(Lanes.S);
            for (int k = 0; k < 8; k++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                ShortVector x0 = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k]).reinterpretAsShorts();
                ShortVector xm = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k + 1]).reinterpretAsShorts();
                s = s.add(w.mul(x0)).add(w.lanewise(VectorOperators.LSHR, 4).mul(xm));
            }
            IntVector si = s.reinterpretAsInts();
            FloatVector sum = (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
            int slot = (g * blocks + b) * R, superSlot = (g * blocks / 8 + b / 8) * R;
            acc = sum.fma(bytes(kScales, slot).mul(FloatVector.fromArray(Lanes.F, kd, superSlot)).mul(a.d[db + b]), acc);
            corr = bytes(kMins, slot).mul(FloatVector.fromArray(Lanes.F, kdMin, superSlot)).fma(FloatVector.broadcast(Lanes.F, a.s[db + b]), corr);
        }
        storeRows(acc.add(corr), out, o, valid);
    }

    private void groupQ41(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F), corr = acc;
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK, pp = pb + 16 * b;
            ShortVector s = ShortVector.zero(Lanes.S);
            for (int k = 0; k < 8; k++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                ShortVector x0 = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k]).reinterpretAsShorts();
                ShortVector xm = IntVector.broadcast(Lanes.I, pairs[pp + 2 * k + 1]).reinterpretAsShorts();
                s = s.add(w.mul(x0)).add(w.lanewise(VectorOperators.LSHR, 4).mul(xm));
            }
            IntVector si = s.reinterpretAsInts();
            FloatVector sum = (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
            int slot = (g * blocks + b) * R;
            acc = sum.fma(FloatVector.fromArray(Lanes.F, scales, slot).mul(a.d[db + b]), acc);
            corr = FloatVector.fromArray(Lanes.F, offsets, slot).fma(FloatVector.broadcast(Lanes.F, a.s[db + b]), corr);
        }
        storeRows(acc.add(corr), out, o, valid);
    }

    private static void storeRows(FloatVector v, float[] out, int o, int valid) {
        if (valid == R) v.intoArray(out, o);
        else v.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /** {@code R} unsigned bytes from {@code src[slot..]} as floats. */
    private static FloatVector bytes(byte[] src, int slot) {
        return (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, src, slot).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0);
    }

    /** Scales of group {@code g}'s rows in block {@code b}. */
    private FloatVector scale(int g, int b) {
        int slot = (g * blocks + b) * R;
        if (dh != null) return Half.load(dh, slot);
        if (kd != null) return bytes(kScales, slot).mul(FloatVector.fromArray(Lanes.F, kd, (g * blocks / 8 + b / 8) * R));
        return FloatVector.fromArray(Lanes.F, scales, slot);
    }

    /** Offsets of group {@code g}'s rows in block {@code b}. */
    private FloatVector offset(int g, int b) {
        int slot = (g * blocks + b) * R;
        if (dh != null) return Half.load(dh, slot).mul(-8f);
        if (kd != null) return bytes(kMins, slot).mul(FloatVector.fromArray(Lanes.F, kdMin, (g * blocks / 8 + b / 8) * R));
        return FloatVector.fromArray(Lanes.F, offsets, slot);
    }

    // ---- batched (prefill) path: integer tiles of 4 activation rows ----

    /** Activation rows per block of the batched loop: their pairs (4 KB per row at 2048 columns) stay in L2 across the chunk's row groups. */
    private static final int ACT_BLOCK = 32;

    /**
     * The integer kernel of {@link #group}, with each unpacked weight chunk reused for 4 activation
     * rows held in registers. Activation blocks run outermost so that the chunk's row groups and a
     * block of activation pairs both stay in L2. The 16-bit block sums go through scratch to a
     * second, per-row pass that scales them: one method doing both is too large for C2 to inline
     * the Vector API calls into (it then boxes every vector).
     */
    private void batched(Q8Rows a, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows, Scratch scratch) {
        short[] sums = scratch.sums(4 * blocks * Lanes.SHORTS);
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    sums4(a, i, g, sums);
                    scale4(a, i, g, sums, out, outOffset + i * outRows + g * R, outRows, valid);
                }
                for (; i < i1; i++) group(a, i, g, out, outOffset + i * outRows + g * R, valid);
            }
        }
    }

    /**
     * The 16-bit sums of group {@code g} against activation rows {@code i..i+3}, per block:
     * {@code sums[(4b + k)·SHORTS..]} for row {@code i + k}.
     */
    private void sums4(Q8Rows a, int i, int g, short[] sums) {
        int step = a.blocks * 16;
        int p0 = i * step, p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
        int[] pairs = a.pairs;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK, pb = 16 * b;
            ShortVector s0 = ShortVector.zero(Lanes.S), s1 = s0, s2 = s0, s3 = s0;
            for (int k = 0; k < 8; k++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                ShortVector wh = w.lanewise(VectorOperators.LSHR, 4);
                int q = pb + 2 * k;
                s0 = s0.add(w.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q]).reinterpretAsShorts()))
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q + 1]).reinterpretAsShorts()));
                s1 = s1.add(w.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q]).reinterpretAsShorts()))
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q + 1]).reinterpretAsShorts()));
                s2 = s2.add(w.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q]).reinterpretAsShorts()))
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q + 1]).reinterpretAsShorts()));
                s3 = s3.add(w.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q]).reinterpretAsShorts()))
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q + 1]).reinterpretAsShorts()));
            }
            int o = 4 * b * Lanes.SHORTS;
            s0.intoArray(sums, o);
            s1.intoArray(sums, o + Lanes.SHORTS);
            s2.intoArray(sums, o + 2 * Lanes.SHORTS);
            s3.intoArray(sums, o + 3 * Lanes.SHORTS);
        }
    }

    /**
     * Rows {@code i..i+3}'s block sums ({@code sums[(4b + k)·SHORTS..]}) scaled and added up:
     * {@code Σ_b dw·(d_x·Σ) + off·s_x} (Q4_0's offset is {@code −8·dw}); stores the first {@code valid}
     * results of row {@code i + k} at {@code out[o + k·stride]}.
     */
    private void scale4(Q8Rows a, int i, int g, short[] sums, float[] out, int o, int stride, int valid) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int bs = a.blockStride, d0 = i * bs, d1 = d0 + bs, d2 = d1 + bs, d3 = d2 + bs;
        float[] ad = a.d, as = a.s;
        for (int b = 0; b < blocks; b++) {
            int so = 4 * b * Lanes.SHORTS;
            FloatVector dw = scale(g, b), off = offset(g, b);
            acc0 = off.fma(FloatVector.broadcast(Lanes.F, as[d0 + b]), dw.fma(widen(sums, so).mul(ad[d0 + b]), acc0));
            acc1 = off.fma(FloatVector.broadcast(Lanes.F, as[d1 + b]), dw.fma(widen(sums, so + Lanes.SHORTS).mul(ad[d1 + b]), acc1));
            acc2 = off.fma(FloatVector.broadcast(Lanes.F, as[d2 + b]), dw.fma(widen(sums, so + 2 * Lanes.SHORTS).mul(ad[d2 + b]), acc2));
            acc3 = off.fma(FloatVector.broadcast(Lanes.F, as[d3 + b]), dw.fma(widen(sums, so + 3 * Lanes.SHORTS).mul(ad[d3 + b]), acc3));
        }
        if (valid == R) {
            acc0.intoArray(out, o);
            acc1.intoArray(out, o + stride);
            acc2.intoArray(out, o + 2 * stride);
            acc3.intoArray(out, o + 3 * stride);
        } else {
            var m = Lanes.F.indexInRange(0, valid);
            acc0.intoArray(out, o, m);
            acc1.intoArray(out, o + stride, m);
            acc2.intoArray(out, o + 2 * stride, m);
            acc3.intoArray(out, o + 3 * stride, m);
        }
    }

    /** The 16-bit sums at {@code sums[at..]}, each row's two (one int lane) added as ints, as floats. */
    private static FloatVector widen(short[] sums, int at) {
        IntVector si = ShortVector.fromArray(Lanes.S, sums, at).reinterpretAsInts();
        return (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(si.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0);
    }
}
