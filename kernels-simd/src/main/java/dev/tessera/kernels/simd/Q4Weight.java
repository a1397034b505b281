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
 * block accumulate in 16-bit lanes (at most 16·15·127 = 30480), a chunk's 4 per row in one lane
 * pair. The float accumulators' lanes are the rows' results: one FMA with a vector of the group's
 * row scales serves 16 (at 256 bits 8) rows, where a row-major layout needs a broadcast and an FMA
 * per row.
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
 *     the second from {@link Q8Rows#qsum16}); the FP16 scales ({@code dh}) convert in registers,
 *     so it streams 18 bytes per block as the file does;</li>
 * <li>other Q4_0 and Q4_1: 8 lanes, lane {@code m} the elements {@code 4m..4m+3} of each block, which
 *     is chunk {@code m}: per block {@code acc_m = fma(d_w·d_x, S_m, acc_m)}, Q4_0's {@code −8·x}
 *     folded into the 16-bit sums ({@link Q8Rows#minus8}), Q4_1's offsets {@code m_w·s_x} summed
 *     in one float added last;</li>
 * <li>Q4_K: per super-block {@code acc_m = fma(d_x·d_w, Σ_c sc_c·S_{c,m}, acc_m)} (integer scaled
 *     sums over its 8 sub-blocks {@code c}, below 2^24 and so added exactly by float FMAs), the mins in 4 lanes of sub-block pairs,
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
        float[] lanes = scratch.scales(LANES);
        if (n >= FloatGemm.MIN_BATCH) {
            batched(a, n, r0 / R, g1, r1, out, outOffset, outRows, scratch.sums(4 * (repacked ? blocks : 64) * Lanes.SHORTS), lanes);
            return;
        }
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R), lanes);
        }
    }

    /** The {@code R} rows of group {@code g} against activation row {@code i}; stores the first {@code valid}. */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] lanes) {
        if (repacked) groupQ40(a, i, g, out, o, valid);
        else if (kd != null) groupQ4K(a, i, g, out, o, valid, lanes);
        else groupBlock32(a, i, g, out, o, valid, lanes);
    }

    // One method per float order with its integer sums written out in loops: vectors cross no call
    // boundary other than tiny helpers, since a call C2 leaves out of line boxes the vectors it
    // returns, which allocates; and unrolled Vector API code soon exceeds C2's inlining node budget.
    // So the 8 llama.cpp lanes (and Q4_K's 4 min lanes) live in the float array {@code lanes},
    // loaded and stored once per lane and 8 blocks: per activation row of a tile of up to 4,
    // {@link #ROW_LANES} floats (8 lane vectors at {@link #ACC}, 4 extra at {@link #EXTRA}), then
    // 8 block scales at {@link #SCALES}.

    private static final int F = Lanes.FLOATS;
    private static final int ACC = 0, EXTRA = 8 * F, ROW_LANES = 12 * F, SCALES = 4 * ROW_LANES, LANES = SCALES + 8 * F;

    /** Repacked Q4_0: per block the signed integer sum, one FMA per row. */
    private void groupQ40(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int pb = i * a.blocks * 16, db = i * a.blockStride, qb = i * 2 * a.blocks;
        int[] pairs = a.pairs, q16 = a.qsum16;
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
            // the two 16-bit sums per row may total more than 16 bits: widened apart
            IntVector si = s.reinterpretAsInts();
            FloatVector sum = (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).sub(8 * (q16[qb + 2 * b] + q16[qb + 2 * b + 1])).convert(VectorOperators.I2F, 0);
            acc = sum.fma(Half.load(dh, (g * blocks + b) * R).mul(a.d[db + b]), acc);
        }
        if (valid == R) acc.intoArray(out, o);
        else acc.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /** Q4_0 (not repacked) and Q4_1: lane {@code m} of every block is its chunk {@code m}. */
    private void groupBlock32(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] lanes) {
        java.util.Arrays.fill(lanes, 0, ROW_LANES, 0f);
        FloatVector summs = FloatVector.zero(Lanes.F);
        int pb = i * a.blocks * 16, mb = i * a.blocks * 8, db = i * a.blockStride;
        int[] pairs = a.pairs, m8 = a.minus8;
        boolean signed = dh != null;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            int nb = Math.min(8, blocks - b0);
            for (int t = 0; t < nb; t++) {
                int b = b0 + t, slot = (g * blocks + b) * R;
                (signed ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot)).mul(a.d[db + b]).intoArray(lanes, SCALES + t * F);
                if (!signed) summs = summs.add(FloatVector.fromArray(Lanes.F, offsets, slot).mul(a.s[db + b]));
            }
            for (int m = 0; m < 8; m++) {
                FloatVector acc = FloatVector.fromArray(Lanes.F, lanes, ACC + m * F);
                for (int t = 0; t < nb; t++) {
                    int b = b0 + t, pp = pb + 16 * b + 2 * m;
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, (g * blocks + b) * 8 * CHUNK + m * CHUNK)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    ShortVector s = w.mul(IntVector.broadcast(Lanes.I, pairs[pp]).reinterpretAsShorts())
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(Lanes.I, pairs[pp + 1]).reinterpretAsShorts()));
                    if (signed) s = s.add(IntVector.broadcast(Lanes.I, m8[mb + 8 * b + m]).reinterpretAsShorts());
                    // a chunk's two 16-bit sums total at most 16 bits: added in the high half
                    IntVector si = s.reinterpretAsInts();
                    FloatVector sum = (FloatVector) si.add(si.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0);
                    acc = FloatVector.fromArray(Lanes.F, lanes, SCALES + t * F).fma(sum, acc);
                }
                acc.intoArray(lanes, ACC + m * F);
            }
        }
        summs.intoArray(lanes, EXTRA);
        finish(lanes, 0, out, o, valid);
    }

    /** Q4_K: per super-block, lane {@code m} the scaled integer sum of chunk {@code m} over its 8 sub-blocks; 4 min lanes. */
    private void groupQ4K(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] lanes) {
        java.util.Arrays.fill(lanes, 0, ROW_LANES, 0f);
        int pb = i * a.blocks * 16, db = i * a.blockStride;
        int[] pairs = a.pairs;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            FloatVector d = FloatVector.fromArray(Lanes.F, kd, (g * blocks / 8 + b0 / 8) * R).mul(a.d[db + b0]);
            // the 6-bit scales as floats: the scaled sums (at most 8·63·7620 < 2^24) are integers float FMAs add exactly
            for (int t = 0; t < 8; t++) {
                ((FloatVector) ((IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kScales, (g * blocks + b0 + t) * R)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0)).convert(VectorOperators.I2F, 0))
                        .intoArray(lanes, SCALES + t * F);
            }
            for (int m = 0; m < 8; m++) {
                FloatVector sm = FloatVector.zero(Lanes.F);
                for (int t = 0; t < 8; t++) {
                    int b = b0 + t, pp = pb + 16 * b + 2 * m;
                    ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, (g * blocks + b) * 8 * CHUNK + m * CHUNK)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
                    IntVector si = w.mul(IntVector.broadcast(Lanes.I, pairs[pp]).reinterpretAsShorts())
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(Lanes.I, pairs[pp + 1]).reinterpretAsShorts()))
                            .reinterpretAsInts();
                    FloatVector sum = (FloatVector) si.add(si.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convert(VectorOperators.I2F, 0);
                    sm = FloatVector.fromArray(Lanes.F, lanes, SCALES + t * F).fma(sum, sm);
                }
                d.fma(sm, FloatVector.fromArray(Lanes.F, lanes, ACC + m * F)).intoArray(lanes, ACC + m * F);
            }
            int cs = i * a.blockStride + b0, slot = (g * blocks + b0) * R;
            FloatVector dmin = FloatVector.fromArray(Lanes.F, kdMin, (g * blocks / 8 + b0 / 8) * R).mul(a.d[cs]);
            for (int k = 0; k < 4; k++) {
                IntVector m0 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kMins, slot + 2 * k * R)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                IntVector m1 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kMins, slot + (2 * k + 1) * R)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                IntVector p = m0.mul(blockSum(a, i, b0 + 2 * k)).add(m1.mul(blockSum(a, i, b0 + 2 * k + 1)));
                dmin.fma((FloatVector) p.convert(VectorOperators.I2F, 0), FloatVector.fromArray(Lanes.F, lanes, EXTRA + k * F))
                        .intoArray(lanes, EXTRA + k * F);
            }
        }
        finish(lanes, 0, out, o, valid);
    }



    /**
     * Stores {@code ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7)) + ((e0+e2)+(e1+e3))} of the lanes and extra
     * lanes (called once per row group, so C2 may keep helpers out of line here: none are called).
     */
    private static void finish(float[] lanes, int base, float[] out, int o, int valid) {
        int at = base + ACC, et = base + EXTRA;
        FloatVector a0 = FloatVector.fromArray(Lanes.F, lanes, at), a1 = FloatVector.fromArray(Lanes.F, lanes, at + F);
        FloatVector a2 = FloatVector.fromArray(Lanes.F, lanes, at + 2 * F), a3 = FloatVector.fromArray(Lanes.F, lanes, at + 3 * F);
        FloatVector a4 = FloatVector.fromArray(Lanes.F, lanes, at + 4 * F), a5 = FloatVector.fromArray(Lanes.F, lanes, at + 5 * F);
        FloatVector a6 = FloatVector.fromArray(Lanes.F, lanes, at + 6 * F), a7 = FloatVector.fromArray(Lanes.F, lanes, at + 7 * F);
        FloatVector e0 = FloatVector.fromArray(Lanes.F, lanes, et), e1 = FloatVector.fromArray(Lanes.F, lanes, et + F);
        FloatVector e2 = FloatVector.fromArray(Lanes.F, lanes, et + 2 * F), e3 = FloatVector.fromArray(Lanes.F, lanes, et + 3 * F);
        FloatVector sum = a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7))).add(e0.add(e2).add(e1.add(e3)));
        if (valid == R) sum.intoArray(out, o);
        else sum.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    // ---- batched (prefill) path: integer tiles of 4 activation rows ----

    /** Activation rows per block of the batched loop: their pairs (4 KB per row at 2048 columns) stay in L2 across the chunk's row groups. */
    private static final int ACT_BLOCK = 32;
    /** Shorts per activation row of a tile's chunk sums: 8 blocks of 8 chunks. */
    private static final int TILE_SHORTS = 64 * Lanes.SHORTS;

    /**
     * The integer kernel of {@link #group}, with each unpacked weight chunk reused for 4 activation
     * rows held in registers. Activation blocks run outermost so that the chunk's row groups and a
     * block of activation pairs both stay in L2. The 16-bit sums go through scratch to a second,
     * per-row pass in the float order (one method doing both is too large for C2 to inline the
     * Vector API calls into, and it then boxes every vector): repacked Q4_0's block sums for the
     * whole row, the others' chunk sums 8 blocks at a time, so that they stay in L1.
     */
    private void batched(Q8Rows a, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows, short[] sums,
                         float[] lanes) {
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    int o = outOffset + i * outRows + g * R;
                    if (repacked) {
                        sums4(a, i, g, sums);
                        for (int k = 0; k < 4; k++) scaleQ40(a, i + k, g, sums, k * Lanes.SHORTS, out, o + k * outRows, valid);
                        continue;
                    }
                    java.util.Arrays.fill(lanes, 0, SCALES, 0f);
                    for (int b0 = 0; b0 < blocks; b0 += 8) {
                        chunks4(a, i, g, b0, sums);
                        for (int k = 0; k < 4; k++) {
                            if (kd != null) tileQ4K(a, i + k, g, b0, sums, k * TILE_SHORTS, lanes, k * ROW_LANES);
                            else tileBlock32(a, i + k, g, b0, sums, k * TILE_SHORTS, lanes, k * ROW_LANES);
                        }
                    }
                    for (int k = 0; k < 4; k++) finish(lanes, k * ROW_LANES, out, o + k * outRows, valid);
                }
                for (; i < i1; i++) group(a, i, g, out, outOffset + i * outRows + g * R, valid, lanes);
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
     * {@link #groupQ40} of activation row {@code i} from its block sums ({@code sums[at + 4b·SHORTS..]}):
     * made signed, {@code acc = fma(S, d_w·d_x, acc)}.
     */
    private void scaleQ40(Q8Rows a, int i, int g, short[] sums, int at, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int db = i * a.blockStride, qb = i * 2 * a.blocks;
        float[] ad = a.d;
        int[] q16 = a.qsum16;
        for (int b = 0; b < blocks; b++) {
            IntVector si = ShortVector.fromArray(Lanes.S, sums, at + 4 * b * Lanes.SHORTS).reinterpretAsInts();
            FloatVector sum = (FloatVector) si.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(si.lanewise(VectorOperators.ASHR, 16)).sub(8 * (q16[qb + 2 * b] + q16[qb + 2 * b + 1])).convert(VectorOperators.I2F, 0);
            acc = sum.fma(Half.load(dh, (g * blocks + b) * R).mul(ad[db + b]), acc);
        }
        if (valid == R) acc.intoArray(out, o);
        else acc.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /**
     * The 16-bit sums of the chunks of blocks {@code b0..b0+7} of group {@code g} against activation
     * rows {@code i..i+3} (Q4_0's codes made signed): row {@code i + r}'s chunk {@code m} of block
     * {@code b0 + t} at {@code sums[r·TILE_SHORTS + (8t + m)·SHORTS..]}.
     */
    private void chunks4(Q8Rows a, int i, int g, int b0, short[] sums) {
        int step = a.blocks * 16, mStep = a.blocks * 8;
        int p0 = i * step, p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
        int n0 = i * mStep, n1 = n0 + mStep, n2 = n1 + mStep, n3 = n2 + mStep;
        int[] pairs = a.pairs, m8 = a.minus8;
        boolean signed = dh != null;
        int c0 = 8 * b0, c1 = 8 * Math.min(blocks, b0 + 8);
        for (int c = c0; c < c1; c++) {
            ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, (g * blocks * 8 + c) * CHUNK)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes.S, 0);
            ShortVector wh = w.lanewise(VectorOperators.LSHR, 4);
            int q = 2 * c, at = (c - c0) * Lanes.SHORTS;
            ShortVector s0 = w.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q]).reinterpretAsShorts())
                    .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p0 + q + 1]).reinterpretAsShorts()));
            ShortVector s1 = w.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q]).reinterpretAsShorts())
                    .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p1 + q + 1]).reinterpretAsShorts()));
            ShortVector s2 = w.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q]).reinterpretAsShorts())
                    .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p2 + q + 1]).reinterpretAsShorts()));
            ShortVector s3 = w.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q]).reinterpretAsShorts())
                    .add(wh.mul(IntVector.broadcast(Lanes.I, pairs[p3 + q + 1]).reinterpretAsShorts()));
            if (signed) {
                s0 = s0.add(IntVector.broadcast(Lanes.I, m8[n0 + c]).reinterpretAsShorts());
                s1 = s1.add(IntVector.broadcast(Lanes.I, m8[n1 + c]).reinterpretAsShorts());
                s2 = s2.add(IntVector.broadcast(Lanes.I, m8[n2 + c]).reinterpretAsShorts());
                s3 = s3.add(IntVector.broadcast(Lanes.I, m8[n3 + c]).reinterpretAsShorts());
            }
            s0.intoArray(sums, at);
            s1.intoArray(sums, TILE_SHORTS + at);
            s2.intoArray(sums, 2 * TILE_SHORTS + at);
            s3.intoArray(sums, 3 * TILE_SHORTS + at);
        }
    }

    /** {@link #groupBlock32}'s blocks {@code b0..b0+7} for activation row {@code i}, from chunk sums at {@code sums[at..]}, into the lanes at {@code base}. */
    private void tileBlock32(Q8Rows a, int i, int g, int b0, short[] sums, int at, float[] lanes, int base) {
        int db = i * a.blockStride, nb = Math.min(8, blocks - b0);
        boolean signed = dh != null;
        FloatVector summs = FloatVector.fromArray(Lanes.F, lanes, base + EXTRA);
        for (int t = 0; t < nb; t++) {
            int b = b0 + t, slot = (g * blocks + b) * R;
            (signed ? Half.load(dh, slot) : FloatVector.fromArray(Lanes.F, scales, slot)).mul(a.d[db + b]).intoArray(lanes, SCALES + t * F);
            if (!signed) summs = summs.add(FloatVector.fromArray(Lanes.F, offsets, slot).mul(a.s[db + b]));
        }
        summs.intoArray(lanes, base + EXTRA);
        for (int m = 0; m < 8; m++) {
            FloatVector acc = FloatVector.fromArray(Lanes.F, lanes, base + ACC + m * F);
            for (int t = 0; t < nb; t++) {
                IntVector si = ShortVector.fromArray(Lanes.S, sums, at + (8 * t + m) * Lanes.SHORTS).reinterpretAsInts();
                FloatVector sum = (FloatVector) si.add(si.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0);
                acc = FloatVector.fromArray(Lanes.F, lanes, SCALES + t * F).fma(sum, acc);
            }
            acc.intoArray(lanes, base + ACC + m * F);
        }
    }

    /** {@link #groupQ4K}'s super-block at block {@code b0} for activation row {@code i}, from chunk sums at {@code sums[at..]}, into the lanes at {@code base}. */
    private void tileQ4K(Q8Rows a, int i, int g, int b0, short[] sums, int at, float[] lanes, int base) {
        FloatVector d = FloatVector.fromArray(Lanes.F, kd, (g * blocks / 8 + b0 / 8) * R).mul(a.d[i * a.blockStride + b0]);
        // the 6-bit scales as floats: the scaled sums (at most 8·63·7620 < 2^24) are integers float FMAs add exactly
        for (int t = 0; t < 8; t++) {
            ((FloatVector) ((IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kScales, (g * blocks + b0 + t) * R)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0)).convert(VectorOperators.I2F, 0))
                    .intoArray(lanes, SCALES + t * F);
        }
        for (int m = 0; m < 8; m++) {
            FloatVector sm = FloatVector.zero(Lanes.F);
            for (int t = 0; t < 8; t++) {
                IntVector si = ShortVector.fromArray(Lanes.S, sums, at + (8 * t + m) * Lanes.SHORTS).reinterpretAsInts();
                FloatVector sum = (FloatVector) si.add(si.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0);
                sm = FloatVector.fromArray(Lanes.F, lanes, SCALES + t * F).fma(sum, sm);
            }
            d.fma(sm, FloatVector.fromArray(Lanes.F, lanes, base + ACC + m * F)).intoArray(lanes, base + ACC + m * F);
        }
        int cs = i * a.blockStride + b0, slot = (g * blocks + b0) * R;
        FloatVector dmin = FloatVector.fromArray(Lanes.F, kdMin, (g * blocks / 8 + b0 / 8) * R).mul(a.d[cs]);
        for (int k = 0; k < 4; k++) {
            IntVector m0 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kMins, slot + 2 * k * R)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
            IntVector m1 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, kMins, slot + (2 * k + 1) * R)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
            IntVector p = m0.mul(blockSum(a, i, b0 + 2 * k)).add(m1.mul(blockSum(a, i, b0 + 2 * k + 1)));
            dmin.fma((FloatVector) p.convert(VectorOperators.I2F, 0), FloatVector.fromArray(Lanes.F, lanes, base + EXTRA + k * F))
                    .intoArray(lanes, base + EXTRA + k * F);
        }
    }

    /** The integer code sum of activation row {@code i}'s block {@code b} (its two half-block sums). */
    private static int blockSum(Q8Rows a, int i, int b) {
        int at = i * 2 * a.blocks + 2 * b;
        return a.qsum16[at] + a.qsum16[at + 1];
    }
}