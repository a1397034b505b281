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

import static dev.tessera.kernels.simd.Lanes.F;
import static dev.tessera.kernels.simd.Lanes.FLOATS;

/**
 * Q5_0, Q5_1, Q2_K, Q3_K and Q5_K weights as 8-bit codes (Q5_0 signed {@code q − 16}, the others as
 * the format has them), computed in llama.cpp's float order ({@link dev.tessera.quant.LlamaCppDot}):
 * per 32-element block, lane {@code m} takes elements {@code 4m..4m+3}; Q5_0/Q5_1 add
 * {@code fma(d_w·d_x, Σ_lane, acc_m)} per block (Q5_1 also {@code summs += m_w·s_x}), the K-quants
 * {@code fma(d_x·d_w, Σ_lane sc·q·x, acc_m)} per 256-element super-block after their minimum terms;
 * the 8 lanes are summed as {@code ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7))}.
 *
 * <p>Rows are interleaved in groups of {@link #R} so that one float lane is one row and the 8
 * llama.cpp lanes are 8 accumulator vectors. A chunk of {@link #CHUNK} bytes holds, at byte
 * {@code 2j + u}, row {@code j}'s code of element {@code 4m + 2t + u} of one block; per row group and
 * run of up to 8 blocks (a K-quant super-block), the chunks are ordered by lane {@code m}, block, then
 * {@code t}, which is the order the kernel reads them in. Widened to 16 bits and multiplied by one
 * broadcast activation pair ({@link Q8Rows#adjacent}), two chunks give each row's lane sum in the two
 * halves of an int lane (at most 4·31·127, so the halves' sum fits 16 bits and one shift-add-shift
 * finishes it). The K-quant sub-block scales multiply the lane sums in float, exactly: every partial
 * sum of a super-block is an integer below 2^24.
 */
final class Int8Weight implements PackedWeight {
    /** Rows per interleaved group. */
    static final int R = Lanes.SHORTS / 2;
    private static final int CHUNK = Lanes.SHORTS;
    private static final int BLOCK_BYTES = 16 * CHUNK;
    /** Activation rows per block of the batched loop: their pairs stay in L2 across the row groups. */
    private static final int ACT_BLOCK = 32;

    // Scratch layout (floats), per activation row k of a tile of up to 4: 8 lane accumulators and a
    // summs vector; the per-(block, half) scales of the current run; d_x·d_w of the super-block.
    private static final int ACC = 0, ACC_STRIDE = 9 * FLOATS;
    private static final int SCALE = 4 * ACC_STRIDE, SCALE_STRIDE = 16 * FLOATS;
    private static final int D = SCALE + 4 * SCALE_STRIDE;
    private static final int SCRATCH = D + 4 * FLOATS;

    final TensorType type;
    final int rows;
    final int blocks;
    final boolean kQuant;
    final byte[] qs;
    /** Q5_0/Q5_1: d per (group, block, row); K-quants: d per (group, super-block, row). */
    final float[] dw;
    /** Q5_1: m per (group, block, row); Q2_K/Q5_K: dmin per (group, super-block, row); else null. */
    final float[] mw;
    /** K-quants: integer sub-block scale per (group, block, half, row); else null. */
    final byte[] subScales;
    /** Q2_K: 4-bit min per (group, block, half, row); Q5_K: 6-bit min per (group, block, row); else null. */
    final byte[] mins;
    /** Q8_0 for Q5_0, Q8_1 for Q5_1, Q8_K for the K-quants. */
    private final TensorType activations;

    private Int8Weight(TensorType type, int rows, int blocks) {
        this.type = type;
        this.rows = rows;
        this.blocks = blocks;
        this.kQuant = type.blockLength() == 256;
        int groups = (rows + R - 1) / R;
        long slots = (long) groups * blocks * R;
        if (slots * 32 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor of type " + type + " with "
                + rows + " rows of " + 32 * blocks + ": too large to repack");
        this.qs = new byte[(int) slots * 32];
        int perD = kQuant ? (int) slots / 8 : (int) slots;
        this.dw = new float[perD];
        this.mw = type == TensorType.Q5_1 || type == TensorType.Q2_K || type == TensorType.Q5_K ? new float[perD] : null;
        this.subScales = kQuant ? new byte[2 * (int) slots] : null;
        this.mins = type == TensorType.Q2_K ? new byte[2 * (int) slots] : type == TensorType.Q5_K ? new byte[(int) slots] : null;
        this.activations = ReferenceDot.activationType(type);
    }

    static Int8Weight pack(Tensor t, Parallel parallel) {
        Int8Weight w = new Int8Weight(t.type(), Math.toIntExact(t.rows()), Math.toIntExact(t.cols() / 32));
        Int8Pack.fill(t, parallel, w);
        return w;
    }

    /** Index of row {@code r}'s entry for block {@code b}. */
    int slot(int r, int b) {
        return (r / R * blocks + b) * R + r % R;
    }

    /** Index of row {@code r}'s entry for half {@code h} of block {@code b}. */
    int halfSlot(int r, int b, int h) {
        return ((r / R * blocks + b) * 2 + h) * R + r % R;
    }

    /** Index of row {@code r}'s entry for super-block {@code s}. */
    int superSlot(int r, int s) {
        return (r / R * (blocks / 8) + s) * R + r % R;
    }

    /** Byte offset of chunk {@code t} of lane {@code m} of block {@code b} in row group {@code g}. */
    int chunk(int g, int b, int m, int t) {
        int b0 = b / 8 * 8;
        return (g * blocks + b0) * BLOCK_BYTES + ((m * Math.min(8, blocks - b0) + b - b0) * 2 + t) * CHUNK;
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
        float[] w = scratch.scales(SCRATCH);
        int g1 = (r1 + R - 1) / R;
        // Activation blocks outermost: a row group's codes and a block of activation pairs both stay in cache.
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            for (int g = r0 / R; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                int i = i0;
                for (; i + 4 <= i1; i += 4) tile4(a, i, g, w, out, outOffset + i * outRows + g * R, outRows, valid);
                for (; i < i1; i++) tile1(a, i, g, w, out, outOffset + i * outRows + g * R, valid);
            }
        }
    }

    // The two kernels below hold every vector in locals, with no vector helper calls: a call C2
    // leaves out of line (a callee already compiled large, or one left in C1) boxes or computes
    // vectors on the heap, which allocates. Their per-run preparation (scales, minimum terms)
    // passes through the scratch array instead.

    /** Row group {@code g} against activation row {@code i}; stores the first {@code valid} results at {@code out[o..]}. */
    private void tile1(Q8Rows a, int i, int g, float[] w, float[] out, int o, int valid) {
        java.util.Arrays.fill(w, ACC, ACC + ACC_STRIDE, 0f);
        int[] xp = a.adjacent;
        int xRow = i * a.blocks * 16;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            int nb = Math.min(8, blocks - b0);
            prepare(a, i, g, b0, nb, w, 0);
            int base = (g * blocks + b0) * BLOCK_BYTES;
            for (int m = 0; m < 8; m++) {
                FloatVector acc = kQuant ? FloatVector.zero(F) : FloatVector.fromArray(F, w, ACC + m * FLOATS);
                int sc = SCALE + (m >> 2) * FLOATS, at = base + m * nb * 2 * CHUNK, xo = xRow + 16 * b0 + 2 * m;
                for (int c = 0; c < nb; c++, at += 2 * CHUNK, xo += 16, sc += 2 * FLOATS) {
                    ShortVector w0 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    ShortVector w1 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at + CHUNK).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    ShortVector p = w0.mul(IntVector.broadcast(Lanes.I, xp[xo]).reinterpretAsShorts())
                            .add(w1.mul(IntVector.broadcast(Lanes.I, xp[xo + 1]).reinterpretAsShorts()));
                    IntVector t = p.reinterpretAsInts();
                    t = t.add(t.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    acc = FloatVector.fromArray(F, w, sc).fma((FloatVector) t.convert(VectorOperators.I2F, 0), acc);
                }
                if (kQuant) acc = FloatVector.fromArray(F, w, D).fma(acc, FloatVector.fromArray(F, w, ACC + m * FLOATS));
                acc.intoArray(w, ACC + m * FLOATS);
            }
        }
        // llama.cpp's horizontal sum of the 8 lanes (plus summs where the format has one).
        int k = 0;
        int h0 = ACC + k * ACC_STRIDE;
        FloatVector a0 = FloatVector.fromArray(F, w, h0), a1 = FloatVector.fromArray(F, w, h0 + FLOATS);
        FloatVector a2 = FloatVector.fromArray(F, w, h0 + 2 * FLOATS), a3 = FloatVector.fromArray(F, w, h0 + 3 * FLOATS);
        FloatVector a4 = FloatVector.fromArray(F, w, h0 + 4 * FLOATS), a5 = FloatVector.fromArray(F, w, h0 + 5 * FLOATS);
        FloatVector a6 = FloatVector.fromArray(F, w, h0 + 6 * FLOATS), a7 = FloatVector.fromArray(F, w, h0 + 7 * FLOATS);
        FloatVector sum = a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7)));
        // Q5_0 adds its zero summs too, as the reference does (it turns a −0 into +0).
        if (!kQuant || type == TensorType.Q5_K) sum = sum.add(FloatVector.fromArray(F, w, h0 + 8 * FLOATS));
        if (valid == R) sum.intoArray(out, o);
        else sum.intoArray(out, o, F.indexInRange(0, valid));
    }

    /** As {@link #tile1} for activation rows {@code i..i+3}, each chunk widened once; row {@code i + k} at {@code out[o + k·stride]}. */
    private void tile4(Q8Rows a, int i, int g, float[] w, float[] out, int o, int stride, int valid) {
        java.util.Arrays.fill(w, ACC, ACC + 4 * ACC_STRIDE, 0f);
        int[] xp = a.adjacent;
        int step = a.blocks * 16, xRow = i * step;
        // Block scales differ per activation row (d_w·d_x); K-quant sub-block scales are the weights' own.
        int scaleStep = kQuant ? 0 : SCALE_STRIDE;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            int nb = Math.min(8, blocks - b0);
            for (int k = 0; k < 4; k++) prepare(a, i + k, g, b0, nb, w, k);
            int base = (g * blocks + b0) * BLOCK_BYTES;
            for (int m = 0; m < 8; m++) {
                FloatVector acc0, acc1, acc2, acc3;
                int am = ACC + m * FLOATS;
                if (kQuant) {
                    acc0 = acc1 = acc2 = acc3 = FloatVector.zero(F);
                } else {
                    acc0 = FloatVector.fromArray(F, w, am);
                    acc1 = FloatVector.fromArray(F, w, am + ACC_STRIDE);
                    acc2 = FloatVector.fromArray(F, w, am + 2 * ACC_STRIDE);
                    acc3 = FloatVector.fromArray(F, w, am + 3 * ACC_STRIDE);
                }
                int sc = SCALE + (m >> 2) * FLOATS, at = base + m * nb * 2 * CHUNK, xo = xRow + 16 * b0 + 2 * m;
                for (int c = 0; c < nb; c++, at += 2 * CHUNK, xo += 16, sc += 2 * FLOATS) {
                    ShortVector w0 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    ShortVector w1 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at + CHUNK).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    IntVector t0 = w0.mul(IntVector.broadcast(Lanes.I, xp[xo]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(Lanes.I, xp[xo + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    IntVector t1 = w0.mul(IntVector.broadcast(Lanes.I, xp[xo + step]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(Lanes.I, xp[xo + step + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    IntVector t2 = w0.mul(IntVector.broadcast(Lanes.I, xp[xo + 2 * step]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(Lanes.I, xp[xo + 2 * step + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    IntVector t3 = w0.mul(IntVector.broadcast(Lanes.I, xp[xo + 3 * step]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(Lanes.I, xp[xo + 3 * step + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    t0 = t0.add(t0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    t1 = t1.add(t1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    t2 = t2.add(t2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    t3 = t3.add(t3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                    acc0 = FloatVector.fromArray(F, w, sc).fma((FloatVector) t0.convert(VectorOperators.I2F, 0), acc0);
                    acc1 = FloatVector.fromArray(F, w, sc + scaleStep).fma((FloatVector) t1.convert(VectorOperators.I2F, 0), acc1);
                    acc2 = FloatVector.fromArray(F, w, sc + 2 * scaleStep).fma((FloatVector) t2.convert(VectorOperators.I2F, 0), acc2);
                    acc3 = FloatVector.fromArray(F, w, sc + 3 * scaleStep).fma((FloatVector) t3.convert(VectorOperators.I2F, 0), acc3);
                }
                if (kQuant) {
                    acc0 = FloatVector.fromArray(F, w, D).fma(acc0, FloatVector.fromArray(F, w, am));
                    acc1 = FloatVector.fromArray(F, w, D + FLOATS).fma(acc1, FloatVector.fromArray(F, w, am + ACC_STRIDE));
                    acc2 = FloatVector.fromArray(F, w, D + 2 * FLOATS).fma(acc2, FloatVector.fromArray(F, w, am + 2 * ACC_STRIDE));
                    acc3 = FloatVector.fromArray(F, w, D + 3 * FLOATS).fma(acc3, FloatVector.fromArray(F, w, am + 3 * ACC_STRIDE));
                }
                acc0.intoArray(w, am);
                acc1.intoArray(w, am + ACC_STRIDE);
                acc2.intoArray(w, am + 2 * ACC_STRIDE);
                acc3.intoArray(w, am + 3 * ACC_STRIDE);
            }
        }
        // llama.cpp's horizontal sum of each row's 8 lanes (plus summs where the format has one).
        for (int k = 0; k < 4; k++, o += stride) {
            int h0 = ACC + k * ACC_STRIDE;
            FloatVector a0 = FloatVector.fromArray(F, w, h0), a1 = FloatVector.fromArray(F, w, h0 + FLOATS);
            FloatVector a2 = FloatVector.fromArray(F, w, h0 + 2 * FLOATS), a3 = FloatVector.fromArray(F, w, h0 + 3 * FLOATS);
            FloatVector a4 = FloatVector.fromArray(F, w, h0 + 4 * FLOATS), a5 = FloatVector.fromArray(F, w, h0 + 5 * FLOATS);
            FloatVector a6 = FloatVector.fromArray(F, w, h0 + 6 * FLOATS), a7 = FloatVector.fromArray(F, w, h0 + 7 * FLOATS);
            FloatVector sum = a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7)));
            // Q5_0 adds its zero summs too, as the reference does (it turns a −0 into +0).
            if (!kQuant || type == TensorType.Q5_K) sum = sum.add(FloatVector.fromArray(F, w, h0 + 8 * FLOATS));
            if (valid == R) sum.intoArray(out, o);
            else sum.intoArray(out, o, F.indexInRange(0, valid));
        }
    }

    /**
     * Per run of blocks {@code b0..b0+nb} (one super-block for K-quants) and activation row {@code i},
     * into tile slot {@code k}: Q5_0/Q5_1 the block scales {@code d_w·d_x} (twice per block, as the
     * K-quants' two halves) and Q5_1's {@code summs}; K-quants {@code d_x·d_w}, the minimum terms and
     * (slot 0) the sub-block scales as floats.
     */
    private void prepare(Q8Rows a, int i, int g, int b0, int nb, float[] w, int k) {
        int xb = i * a.blockStride, acc = ACC + k * ACC_STRIDE;
        if (!kQuant) {
            int scale = SCALE + k * SCALE_STRIDE;
            FloatVector summs = FloatVector.fromArray(F, w, acc + 8 * FLOATS);
            for (int c = 0; c < nb; c++) {
                int slot = (g * blocks + b0 + c) * R;
                FloatVector d = FloatVector.fromArray(F, dw, slot).mul(a.d[xb + b0 + c]);
                d.intoArray(w, scale + 2 * c * FLOATS);
                d.intoArray(w, scale + (2 * c + 1) * FLOATS);
                if (mw != null) summs = summs.add(FloatVector.fromArray(F, mw, slot).mul(a.s[xb + b0 + c]));
            }
            summs.intoArray(w, acc + 8 * FLOATS);
            return;
        }
        float dx = a.d[xb + b0];
        int sup = (g * (blocks / 8) + b0 / 8) * R;
        FloatVector.fromArray(F, dw, sup).mul(dx).intoArray(w, D + k * FLOATS);
        int sums = i * 2 * a.blocks + 2 * b0;
        int[] q16 = a.qsum16;
        if (type == TensorType.Q2_K) {
            FloatVector dmin = FloatVector.fromArray(F, mw, sup).mul(-dx);
            for (int j = 0; j < 8; j++) {
                // m·bsum products below 2^16 and their sum below 2^17: exact in float.
                FloatVector p = ((FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, mins, ((g * blocks + b0 + j) * 2) * R).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0)).mul(q16[sums + 2 * j])
                        .add(((FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, mins, ((g * blocks + b0 + j) * 2 + 1) * R).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0)).mul(q16[sums + 2 * j + 1]));
                dmin.fma(p, FloatVector.fromArray(F, w, acc + j * FLOATS)).intoArray(w, acc + j * FLOATS);
            }
        } else if (type == TensorType.Q5_K) {
            FloatVector dmin = FloatVector.fromArray(F, mw, sup).mul(-dx);
            FloatVector p = FloatVector.zero(F);
            // Σ min·bsum32 below 8·63·4064 < 2^24: exact in float in any order.
            for (int j = 0; j < 8; j++) p = ((FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, mins, (g * blocks + b0 + j) * R).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, q16[sums + 2 * j] + q16[sums + 2 * j + 1]), p);
            FloatVector.fromArray(F, w, acc + 8 * FLOATS).add(dmin.mul(p)).intoArray(w, acc + 8 * FLOATS);
        }
        if (k == 0) {
            for (int h = 0; h < 16; h++) ((FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, subScales, (g * blocks * 2 + 2 * b0 + h) * R).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0)).intoArray(w, SCALE + h * FLOATS);
        }
    }
}
