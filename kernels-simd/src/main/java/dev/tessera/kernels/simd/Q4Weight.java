package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
 * <p>Scales: Q4_0 keeps its FP16 scales ({@code dh}, converted in registers, so it streams 18 bytes
 * per block as the file does) with the offset {@code −8·d}; Q4_1 and Q4_K keep a float scale and
 * offset per block ({@code y = scale·q + offset}: Q4_1's {@code d, m}, Q4_K's {@code d·sc, −dmin·m}).
 * The offset term {@code Σ_b offset·(d_x·Σ qx)} is one more FMA per block and group.
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
    /** Q4_1/Q4_K: float scale and offset per (group, block, row); else null. */
    final float[] scales;
    final float[] offsets;

    private Q4Weight(int rows, int blocks, byte[] qs, short[] dh, float[] scales, float[] offsets) {
        this.rows = rows;
        this.blocks = blocks;
        this.rowGroups = (rows + R - 1) / R;
        this.qs = qs;
        this.dh = dh;
        this.scales = scales;
        this.offsets = offsets;
    }

    static Q4Weight pack(Tensor t, Parallel parallel) {
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + R - 1) / R;
        long slots = (long) groups * blocks * R;
        if (slots * 16 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) slots * 16];
        boolean q40 = type == TensorType.Q4_0;
        short[] dh = q40 ? new short[(int) slots + Lanes.FLOATS] : null;
        float[] scales = q40 ? null : new float[(int) slots + Lanes.FLOATS];
        float[] offsets = q40 ? null : new float[(int) slots + Lanes.FLOATS];
        int rowBytes = Math.toIntExact(t.rowBytes());
        parallel.split(rows, 1, (worker, start, end) -> {
            byte[] row = new byte[rowBytes], codes = new byte[32];
            float[] sc = new float[2], off = new float[2];
            for (int r = start; r < end; r++) {
                MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
                int g = r / R, j = r % R;
                for (int b = 0; b < blocks; b++) {
                    int slot = (g * blocks + b) * R + j;
                    if (q40) {
                        for (int e = 0; e < 16; e++) {
                            codes[e] = (byte) (row[18 * b + 2 + e] & 0xF);
                            codes[e + 16] = (byte) ((row[18 * b + 2 + e] & 0xFF) >> 4);
                        }
                        dh[slot] = (short) ((row[18 * b] & 0xFF) | row[18 * b + 1] << 8);
                    } else {
                        SubBlocks.split(type, row, b, codes, sc, off);
                        scales[slot] = sc[0];
                        offsets[slot] = off[0];
                    }
                    int base = (g * blocks + b) * 8 * CHUNK;
                    for (int k = 0; k < 8; k++) {
                        for (int tt = 0; tt < 2; tt++) {
                            qs[base + k * CHUNK + 2 * j + tt] = (byte) (codes[4 * k + tt] | codes[4 * k + 2 + tt] << 4);
                        }
                    }
                }
            }
        });
        return new Q4Weight(rows, blocks, qs, dh, scales, offsets);
    }

    @Override
    public boolean wantsQ8(int n) { return true; }

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
            IntVector sum = si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(si.lanewise(VectorOperators.ASHR, 16));
            int slot = (g * blocks + b) * R;
            FloatVector dw = dh != null ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot);
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(dw.mul(a.d[db + b]), acc);
            FloatVector off = dh != null ? dw : FloatVector.fromArray(Lanes.F, offsets, slot);
            corr = off.fma(FloatVector.broadcast(Lanes.F, a.s[db + b]), corr);
        }
        FloatVector res = dh != null ? corr.mul(-8f).add(acc) : acc.add(corr);
        if (valid == R) res.intoArray(out, o);
        else res.intoArray(out, o, Lanes.F.indexInRange(0, valid));
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
            int slot = (g * blocks + b) * R, so = 4 * b * Lanes.SHORTS;
            FloatVector dw = dh != null ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot);
            FloatVector off = dh != null ? dw.mul(-8f) : FloatVector.fromArray(Lanes.F, offsets, slot);
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
