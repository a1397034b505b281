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
 * <p>Float arithmetic follows llama.cpp's order ({@code LlamaCppDot}) bit for bit; the integer parts
 * are exact in any order. With {@code S} a row's exact integer sum:
 * <ul>
 * <li>Q4_0 whose row count is a multiple of 8 (llama.cpp repacks it): one chain per row,
 *     {@code acc = fma(S_block, d_w·d_x, acc)} with {@code S_block} signed ({@code Σ q·x − 8·Σ x},
 *     the second from {@link Q8Rows#codeSums}); the FP16 scales ({@code dh}) convert in registers,
 *     so it streams 18 bytes per block as the file does;</li>
 * <li>other Q4_0 and Q4_1: 8 lanes, lane {@code m} the elements {@code 4m..4m+3} of each block, which
 *     is chunk {@code m}: per block {@code acc_m = fma(d_w·d_x, S_m, acc_m)}, Q4_0's {@code −8·x}
 *     folded into the 16-bit sums ({@link Q8Rows#minus8}), Q4_1's offsets {@code m_w·s_x} summed
 *     in one float added last;</li>
 * <li>Q4_K: per super-block {@code acc_m = fma(d_x·d_w, Σ_c sc_c·S_{c,m}, acc_m)} (integer scaled
 *     sums over its 8 sub-blocks {@code c}), the mins in 4 lanes of sub-block pairs,
 *     {@code fma(−d_x·dmin_w, m_{2k}·Σx_{2k} + m_{2k+1}·Σx_{2k+1}, ·)}. It keeps the 6-bit scales
 *     and mins as bytes per sub-block and {@code d, −dmin} per super-block as floats.</li>
 * </ul>
 * Each accumulator is a vector whose lanes are the group's rows, so the 8 lanes' sum
 * {@code ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7))} is 7 vector adds per row group.
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
    /** Q4_0 with a row count llama.cpp repacks (a multiple of 8): one float chain per row. */
    final boolean repacked;

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
        this.repacked = dh != null && rows % 8 == 0;
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
        if (repacked) groupQ40(a, i, g, out, o, valid);
        else if (kd != null) groupQ4K(a, i, g, out, o, valid);
        else groupBlock32(a, i, g, out, o, valid);
    }

    // One method per float order, each with its chunk sums written out: vectors cross no call
    // boundary other than the tiny helpers, since a call C2 leaves out of line (a large compiled
    // callee) boxes the vectors it returns, which allocates per block.

    /** Repacked Q4_0: per block the signed integer sum, one FMA per row. */
    private void groupQ40(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs, codeSums = a.codeSums;
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
            FloatVector sum = signedBlockSum(s.reinterpretAsInts(), codeSums[db + b]);
            acc = sum.fma(Half.load(dh, (g * blocks + b) * R).mul(a.d[db + b]), acc);
        }
        storeRows(acc, out, o, valid);
    }

    /** Q4_0 (not repacked) and Q4_1: 8 lanes of 4 elements per block. */
    private void groupBlock32(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, summs = a0;
        int pb = i * a.blocks * 16, mb = i * a.blocks * 8, db = i * a.blockStride;
        int[] pairs = a.pairs, m8 = dh != null ? a.minus8 : null;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK, pp = pb + 16 * b, mp = mb + 8 * b, slot = (g * blocks + b) * R;
            FloatVector d = (dh != null ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot)).mul(a.d[db + b]);
            a0 = d.fma(lane(qs, base, pairs, pp, m8, mp), a0);
            a1 = d.fma(lane(qs, base + CHUNK, pairs, pp + 2, m8, mp + 1), a1);
            a2 = d.fma(lane(qs, base + 2 * CHUNK, pairs, pp + 4, m8, mp + 2), a2);
            a3 = d.fma(lane(qs, base + 3 * CHUNK, pairs, pp + 6, m8, mp + 3), a3);
            a4 = d.fma(lane(qs, base + 4 * CHUNK, pairs, pp + 8, m8, mp + 4), a4);
            a5 = d.fma(lane(qs, base + 5 * CHUNK, pairs, pp + 10, m8, mp + 5), a5);
            a6 = d.fma(lane(qs, base + 6 * CHUNK, pairs, pp + 12, m8, mp + 6), a6);
            a7 = d.fma(lane(qs, base + 7 * CHUNK, pairs, pp + 14, m8, mp + 7), a7);
            if (offsets != null) summs = summs.add(FloatVector.fromArray(Lanes.F, offsets, slot).mul(a.s[db + b]));
        }
        storeRows(hsum(a0, a1, a2, a3, a4, a5, a6, a7).add(summs), out, o, valid);
    }

    /** Q4_K: per super-block 8 lanes of integer sums scaled per sub-block, 4 lanes of min terms. */
    private void groupQ4K(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector m0 = a0, m1 = a0, m2 = a0, m3 = a0;
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs, codeSums = a.codeSums;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            IntVector s0 = IntVector.zero(Lanes.I), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int b = b0; b < b0 + 8; b++) {
                int base = (g * blocks + b) * 8 * CHUNK, pp = pb + 16 * b;
                IntVector sc = ints(kScales, (g * blocks + b) * R);
                s0 = s0.add(pairSum(chunk(qs, base, pairs[pp], pairs[pp + 1])).mul(sc));
                s1 = s1.add(pairSum(chunk(qs, base + CHUNK, pairs[pp + 2], pairs[pp + 3])).mul(sc));
                s2 = s2.add(pairSum(chunk(qs, base + 2 * CHUNK, pairs[pp + 4], pairs[pp + 5])).mul(sc));
                s3 = s3.add(pairSum(chunk(qs, base + 3 * CHUNK, pairs[pp + 6], pairs[pp + 7])).mul(sc));
                s4 = s4.add(pairSum(chunk(qs, base + 4 * CHUNK, pairs[pp + 8], pairs[pp + 9])).mul(sc));
                s5 = s5.add(pairSum(chunk(qs, base + 5 * CHUNK, pairs[pp + 10], pairs[pp + 11])).mul(sc));
                s6 = s6.add(pairSum(chunk(qs, base + 6 * CHUNK, pairs[pp + 12], pairs[pp + 13])).mul(sc));
                s7 = s7.add(pairSum(chunk(qs, base + 7 * CHUNK, pairs[pp + 14], pairs[pp + 15])).mul(sc));
            }
            int superSlot = (g * blocks / 8 + b0 / 8) * R, slot = (g * blocks + b0) * R, cs = db + b0;
            float dx = a.d[db + b0];
            FloatVector d = FloatVector.fromArray(Lanes.F, kd, superSlot).mul(dx);
            FloatVector dmin = FloatVector.fromArray(Lanes.F, kdMin, superSlot).mul(dx);
            a0 = d.fma(toFloat(s0), a0);
            a1 = d.fma(toFloat(s1), a1);
            a2 = d.fma(toFloat(s2), a2);
            a3 = d.fma(toFloat(s3), a3);
            a4 = d.fma(toFloat(s4), a4);
            a5 = d.fma(toFloat(s5), a5);
            a6 = d.fma(toFloat(s6), a6);
            a7 = d.fma(toFloat(s7), a7);
            m0 = dmin.fma(minPair(kMins, slot, codeSums, cs), m0);
            m1 = dmin.fma(minPair(kMins, slot + 2 * R, codeSums, cs + 2), m1);
            m2 = dmin.fma(minPair(kMins, slot + 4 * R, codeSums, cs + 4), m2);
            m3 = dmin.fma(minPair(kMins, slot + 6 * R, codeSums, cs + 6), m3);
        }
        storeRows(hsum(a0, a1, a2, a3, a4, a5, a6, a7).add(m0.add(m2).add(m1.add(m3))), out, o, valid);
    }

    private static void storeRows(FloatVector v, float[] out, int o, int valid) {
        if (valid == R) v.intoArray(out, o);
        else v.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /** The 8 lanes summed in llama.cpp's pattern. */
    private static FloatVector hsum(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3,
                                    FloatVector a4, FloatVector a5, FloatVector a6, FloatVector a7) {
        return a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7)));
    }

    /**
     * The chunk at {@code qs[at..]} (4 elements of {@code R} rows) against the activation pair
     * {@code (x0, xm)}: per row two 16-bit partial sums.
     */
    private static ShortVector chunk(byte[] qs, int at, int x0, int xm) {
        ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at).convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
        return w.mul(IntVector.broadcast(Lanes.I, x0).reinterpretAsShorts())
                .add(w.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(Lanes.I, xm).reinterpretAsShorts()));
    }

    /** Each row's two 16-bit partial sums added as an int (the total fits in 16 bits: a chunk's). */
    private static IntVector pairSum(ShortVector s) {
        IntVector si = s.reinterpretAsInts();
        return si.add(si.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /** Lane sum of chunk {@code at} as floats; with {@code m8} (Q4_0) the codes made signed. */
    private static FloatVector lane(byte[] qs, int at, int[] pairs, int p, int[] m8, int mp) {
        ShortVector s = chunk(qs, at, pairs[p], pairs[p + 1]);
        if (m8 != null) s = s.add(IntVector.broadcast(Lanes.I, m8[mp]).reinterpretAsShorts());
        return toFloat(pairSum(s));
    }

    /**
     * A block's two 16-bit sums per row (each up to 30480, so the total may not fit in 16 bits)
     * added as ints, made signed ({@code − 8·Σx}), as floats.
     */
    private static FloatVector signedBlockSum(IntVector si, int codeSum) {
        return toFloat(si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(si.lanewise(VectorOperators.ASHR, 16)).sub(8 * codeSum));
    }

    /** {@code m_j·Σx_j + m_{j+1}·Σx_{j+1}} of sub-blocks {@code j, j+1} (mins at {@code slot}, {@code slot + R}) as floats. */
    private static FloatVector minPair(byte[] mins, int slot, int[] codeSums, int c) {
        return toFloat(ints(mins, slot).mul(codeSums[c]).add(ints(mins, slot + R).mul(codeSums[c + 1])));
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** {@code R} unsigned bytes from {@code src[slot..]} as ints. */
    private static IntVector ints(byte[] src, int slot) {
        return (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, src, slot).convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
    }

    // ---- batched (prefill) path: integer tiles of 4 activation rows ----

    /** Activation rows per block of the batched loop: their pairs (4 KB per row at 2048 columns) stay in L2 across the chunk's row groups. */
    private static final int ACT_BLOCK = 32;

    /**
     * The integer kernel of {@link #group}, with each unpacked weight chunk reused for 4 activation
     * rows held in registers. Activation blocks run outermost so that the chunk's row groups and a
     * block of activation pairs both stay in L2. The 16-bit sums (per block for repacked Q4_0,
     * per chunk otherwise) go through scratch to a second, per-row pass in the float order: one
     * method doing both is too large for C2 to inline the Vector API calls into (it then boxes
     * every vector).
     */
    private void batched(Q8Rows a, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows, Scratch scratch) {
        int perRow = repacked ? blocks * Lanes.SHORTS : blocks * 8 * Lanes.SHORTS;
        short[] sums = scratch.sums(4 * perRow);
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    int o = outOffset + i * outRows + g * R;
                    if (repacked) {
                        sums4(a, i, g, sums);
                        scale4(a, i, g, sums, out, o, outRows, valid);
                    } else {
                        chunks4(a, i, g, sums, perRow);
                        for (int k = 0; k < 4; k++) {
                            if (kd != null) scaleQ4K(a, i + k, g, sums, k * perRow, out, o + k * outRows, valid);
                            else scaleBlock32(a, i + k, g, sums, k * perRow, out, o + k * outRows, valid);
                        }
                    }
                }
                for (; i < i1; i++) group(a, i, g, out, outOffset + i * outRows + g * R, valid);
            }
        }
    }

    /**
     * The 16-bit block sums of group {@code g} against activation rows {@code i..i+3}:
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
     * Repacked Q4_0, rows {@code i..i+3}: block sums ({@code sums[(4b + k)·SHORTS..]}) made signed,
     * {@code acc = fma(S, d_w·d_x, acc)}; stores the first {@code valid} results of row {@code i + k}
     * at {@code out[o + k·stride]}.
     */
    private void scale4(Q8Rows a, int i, int g, short[] sums, float[] out, int o, int stride, int valid) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int bs = a.blockStride, d0 = i * bs, d1 = d0 + bs, d2 = d1 + bs, d3 = d2 + bs;
        float[] ad = a.d;
        int[] cs = a.codeSums;
        for (int b = 0; b < blocks; b++) {
            int so = 4 * b * Lanes.SHORTS;
            FloatVector dw = Half.load(dh, (g * blocks + b) * R);
            acc0 = signedBlockSum(ShortVector.fromArray(Lanes.S, sums, so).reinterpretAsInts(), cs[d0 + b]).fma(dw.mul(ad[d0 + b]), acc0);
            acc1 = signedBlockSum(ShortVector.fromArray(Lanes.S, sums, so + Lanes.SHORTS).reinterpretAsInts(), cs[d1 + b]).fma(dw.mul(ad[d1 + b]), acc1);
            acc2 = signedBlockSum(ShortVector.fromArray(Lanes.S, sums, so + 2 * Lanes.SHORTS).reinterpretAsInts(), cs[d2 + b]).fma(dw.mul(ad[d2 + b]), acc2);
            acc3 = signedBlockSum(ShortVector.fromArray(Lanes.S, sums, so + 3 * Lanes.SHORTS).reinterpretAsInts(), cs[d3 + b]).fma(dw.mul(ad[d3 + b]), acc3);
        }
        storeRows(acc0, out, o, valid);
        storeRows(acc1, out, o + stride, valid);
        storeRows(acc2, out, o + 2 * stride, valid);
        storeRows(acc3, out, o + 3 * stride, valid);
    }

    /**
     * The 16-bit sums of every chunk of group {@code g} against activation rows {@code i..i+3}
     * (Q4_0's codes made signed): row {@code i + r}'s chunk {@code k} of block {@code b} at
     * {@code sums[r·perRow + (8b + k)·SHORTS..]}.
     */
    private void chunks4(Q8Rows a, int i, int g, short[] sums, int perRow) {
        int step = a.blocks * 16, mStep = a.blocks * 8;
        int p0 = i * step, p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
        int n0 = i * mStep, n1 = n0 + mStep, n2 = n1 + mStep, n3 = n2 + mStep;
        int[] pairs = a.pairs, m8 = a.minus8;
        boolean signed = dh != null;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * 8 * CHUNK;
            for (int k = 0; k < 8; k++) {
                ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                ShortVector wh = w.lanewise(VectorOperators.LSHR, 4);
                int q = 16 * b + 2 * k, m = 8 * b + k, at = (8 * b + k) * Lanes.SHORTS;
                ShortVector s0 = w.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q]).reinterpretAsShorts())
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q + 1]).reinterpretAsShorts()));
                ShortVector s1 = w.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q]).reinterpretAsShorts())
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q + 1]).reinterpretAsShorts()));
                ShortVector s2 = w.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q]).reinterpretAsShorts())
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q + 1]).reinterpretAsShorts()));
                ShortVector s3 = w.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q]).reinterpretAsShorts())
                        .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q + 1]).reinterpretAsShorts()));
                if (signed) {
                    s0 = s0.add(IntVector.broadcast(Lanes.I, m8[n0 + m]).reinterpretAsShorts());
                    s1 = s1.add(IntVector.broadcast(Lanes.I, m8[n1 + m]).reinterpretAsShorts());
                    s2 = s2.add(IntVector.broadcast(Lanes.I, m8[n2 + m]).reinterpretAsShorts());
                    s3 = s3.add(IntVector.broadcast(Lanes.I, m8[n3 + m]).reinterpretAsShorts());
                }
                s0.intoArray(sums, at);
                s1.intoArray(sums, perRow + at);
                s2.intoArray(sums, 2 * perRow + at);
                s3.intoArray(sums, 3 * perRow + at);
            }
        }
    }

    /** {@link #groupBlock32} of activation row {@code i} from its chunk sums at {@code sums[at..]}. */
    private void scaleBlock32(Q8Rows a, int i, int g, short[] sums, int at, float[] out, int o, int valid) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, summs = a0;
        int db = i * a.blockStride;
        for (int b = 0; b < blocks; b++) {
            int slot = (g * blocks + b) * R, c = at + 8 * b * Lanes.SHORTS;
            FloatVector d = (dh != null ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot)).mul(a.d[db + b]);
            a0 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c))), a0);
            a1 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + Lanes.SHORTS))), a1);
            a2 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 2 * Lanes.SHORTS))), a2);
            a3 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 3 * Lanes.SHORTS))), a3);
            a4 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 4 * Lanes.SHORTS))), a4);
            a5 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 5 * Lanes.SHORTS))), a5);
            a6 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 6 * Lanes.SHORTS))), a6);
            a7 = d.fma(toFloat(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 7 * Lanes.SHORTS))), a7);
            if (offsets != null) summs = summs.add(FloatVector.fromArray(Lanes.F, offsets, slot).mul(a.s[db + b]));
        }
        storeRows(hsum(a0, a1, a2, a3, a4, a5, a6, a7).add(summs), out, o, valid);
    }

    /** {@link #groupQ4K} of activation row {@code i} from its chunk sums at {@code sums[at..]}. */
    private void scaleQ4K(Q8Rows a, int i, int g, short[] sums, int at, float[] out, int o, int valid) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector m0 = a0, m1 = a0, m2 = a0, m3 = a0;
        int db = i * a.blockStride;
        int[] codeSums = a.codeSums;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            IntVector s0 = IntVector.zero(Lanes.I), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int b = b0; b < b0 + 8; b++) {
                int c = at + 8 * b * Lanes.SHORTS;
                IntVector sc = ints(kScales, (g * blocks + b) * R);
                s0 = s0.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c)).mul(sc));
                s1 = s1.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + Lanes.SHORTS)).mul(sc));
                s2 = s2.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 2 * Lanes.SHORTS)).mul(sc));
                s3 = s3.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 3 * Lanes.SHORTS)).mul(sc));
                s4 = s4.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 4 * Lanes.SHORTS)).mul(sc));
                s5 = s5.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 5 * Lanes.SHORTS)).mul(sc));
                s6 = s6.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 6 * Lanes.SHORTS)).mul(sc));
                s7 = s7.add(pairSum(ShortVector.fromArray(Lanes.S, sums, c + 7 * Lanes.SHORTS)).mul(sc));
            }
            int superSlot = (g * blocks / 8 + b0 / 8) * R, slot = (g * blocks + b0) * R, cs = db + b0;
            float dx = a.d[db + b0];
            FloatVector d = FloatVector.fromArray(Lanes.F, kd, superSlot).mul(dx);
            FloatVector dmin = FloatVector.fromArray(Lanes.F, kdMin, superSlot).mul(dx);
            a0 = d.fma(toFloat(s0), a0);
            a1 = d.fma(toFloat(s1), a1);
            a2 = d.fma(toFloat(s2), a2);
            a3 = d.fma(toFloat(s3), a3);
            a4 = d.fma(toFloat(s4), a4);
            a5 = d.fma(toFloat(s5), a5);
            a6 = d.fma(toFloat(s6), a6);
            a7 = d.fma(toFloat(s7), a7);
            m0 = dmin.fma(minPair(kMins, slot, codeSums, cs), m0);
            m1 = dmin.fma(minPair(kMins, slot + 2 * R, codeSums, cs + 2), m1);
            m2 = dmin.fma(minPair(kMins, slot + 4 * R, codeSums, cs + 4), m2);
            m3 = dmin.fma(minPair(kMins, slot + 6 * R, codeSums, cs + 6), m3);
        }
        storeRows(hsum(a0, a1, a2, a3, a4, a5, a6, a7).add(m0.add(m2).add(m1.add(m3))), out, o, valid);
    }
}
