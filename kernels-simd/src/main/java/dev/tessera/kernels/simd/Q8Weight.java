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
 * Q8_0 and Q6_K weights as signed 8-bit codes, repacked at load into groups of {@link #R} rows
 * interleaved as {@link Q4Weight} does: for row group {@code G}, block {@code b} and chunk
 * {@code k < 16}, {@link #CHUNK} bytes hold, at byte {@code 2j + t}, row {@code j}'s code of element
 * {@code 2k + t}. Scales stay as the file has them: Q8_0's FP16 scale per block (34 bytes per 32
 * weights, as the file), Q6_K's 8-bit scale per 16 elements in registers times
 * {@code d} per super-block as a float (34.5 bytes per 32 weights; the file packs the codes in 6 bits, 26.25;
 * the generic {@link Int8Weight} layout reads 40).
 *
 * <p>Per chunk: the codes widen to 16 bits and multiply one broadcast activation pair
 * ({@link Q8Rows#adjacent}); each row's two products ({@code |w·x| ≤ 128·127}, so their sum fits
 * 16 bits) are summed into one 32-bit lane and accumulated over each half block. Per block and row
 * group: one conversion and one FMA with the vector of the group's row scales (Q6_K: one per half);
 * the float lanes are the rows' results.
 */
final class Q8Weight implements PackedWeight, FloatGemm.RowDecoder {
    /** Rows per interleaved group. */
    static final int R = Lanes.SHORTS / 2;
    private static final int CHUNK = Lanes.SHORTS;
    private static final int BLOCK_BYTES = 16 * CHUNK;

    final int rows;
    final int blocks;
    final byte[] qs;
    /** Q8_0: FP16 scale per (group, block, row); else null. */
    final short[] dh;
    /** Q6_K: per (group, block) the rows' scales of the first half block, then of the second; else null. */
    final byte[] halfScales;
    /** Q6_K: {@code d} per (group, super-block, row) as a float; else null. */
    final float[] superD;

    private Q8Weight(int rows, int blocks, byte[] qs, short[] dh, byte[] halfScales, float[] superD) {
        this.rows = rows;
        this.blocks = blocks;
        this.qs = qs;
        this.dh = dh;
        this.halfScales = halfScales;
        this.superD = superD;
    }

    static Q8Weight pack(Tensor t, Parallel parallel) {
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + R - 1) / R;
        long slots = (long) groups * blocks * R;
        if (slots * 32 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) slots * 32];
        boolean q6k = t.type() == TensorType.Q6_K;
        short[] dh = q6k ? null : new short[(int) slots + Lanes.FLOATS];
        byte[] halfScales = q6k ? new byte[2 * (int) slots + Lanes.FLOATS] : null;
        float[] superD = q6k ? new float[(int) slots / 8 + Lanes.FLOATS] : null;
        int rowBytes = Math.toIntExact(t.rowBytes());
        parallel.split(rows, 1, (worker, start, end) -> {
            byte[] row = new byte[rowBytes], codes = new byte[32];
            float[] sc = new float[2], off = new float[2];
            for (int r = start; r < end; r++) {
                MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
                int g = r / R, j = r % R;
                for (int b = 0; b < blocks; b++) {
                    int slot = (g * blocks + b) * R + j, base = (g * blocks + b) * BLOCK_BYTES + 2 * j;
                    if (q6k) {
                        SubBlocks.split(TensorType.Q6_K, row, b, codes, sc, off);
                        int o = 210 * (b / 8), s0 = o + 192 + 2 * (b % 8);
                        halfScales[2 * (g * blocks + b) * R + j] = row[s0];
                        halfScales[2 * (g * blocks + b) * R + R + j] = row[s0 + 1];
                        superD[(g * blocks / 8 + b / 8) * R + j] = Float.float16ToFloat((short) ((row[o + 208] & 0xFF) | row[o + 209] << 8));
                    } else {
                        dh[slot] = (short) ((row[34 * b] & 0xFF) | row[34 * b + 1] << 8);
                        System.arraycopy(row, 34 * b + 2, codes, 0, 32);
                    }
                    for (int k = 0; k < 16; k++) {
                        qs[base + k * CHUNK] = codes[2 * k];
                        qs[base + k * CHUNK + 1] = codes[2 * k + 1];
                    }
                }
            }
        });
        return new Q8Weight(rows, blocks, qs, dh, halfScales, superD);
    }

    /** llama.cpp's activation formats: Q8_0 for Q8_0 weights, Q8_K for Q6_K. */
    @Override
    public TensorType activations() { return dh != null ? TensorType.Q8_0 : TensorType.Q8_K; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows a, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (n >= FloatGemm.MIN_BATCH) {
            FloatGemm.rows(this, 32 * blocks, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        if (r0 % R != 0) throw new IllegalStateException("row range must start at a multiple of " + R + ": " + r0);
        int g1 = (r1 + R - 1) / R;
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R));
        }
    }

    /** The {@code R} rows of group {@code g} against activation row {@code i}; stores the first {@code valid}. */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        if (dh != null) groupQ8(a, i, g, out, o, valid);
        else groupQ6(a, i, g, out, o, valid);
    }

    // The block loops below are written out in full, and vectors cross no call boundary other than
    // the tiny helpers: a call C2 leaves out of line (a large compiled callee) boxes the vectors it
    // returns, which allocates per block.

    private void groupQ8(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int[] xp = a.adjacent;
        int px = i * a.blocks * 16, db = i * a.blockStride;
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * BLOCK_BYTES, pp = px + 16 * b;
            // Two accumulators: each chunk's sum depends only on its own loads.
            IntVector s0 = IntVector.zero(Lanes.I), s1 = s0;
            for (int k = 0; k < 16; k += 2) {
                s0 = s0.add(chunk(base + k * CHUNK, xp[pp + k]));
                s1 = s1.add(chunk(base + (k + 1) * CHUNK, xp[pp + k + 1]));
            }
            FloatVector dw = Half.load(dh, (g * blocks + b) * R);
            acc = ((FloatVector) s0.add(s1).convert(VectorOperators.I2F, 0)).fma(dw.mul(a.d[db + b]), acc);
        }
        store(acc, out, o, valid);
    }

    private void groupQ6(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int[] xp = a.adjacent;
        int px = i * a.blocks * 16, hb = i * a.halfStride();
        for (int b = 0; b < blocks; b++) {
            FloatVector d = FloatVector.fromArray(Lanes.F, superD, (g * blocks / 8 + b / 8) * R);
            // Few call sites of the vector helpers: C2 stops inlining once a method grows too large.
            for (int h = 0; h < 2; h++) {
                int base = (g * blocks + b) * BLOCK_BYTES + 8 * h * CHUNK, pp = px + 16 * b + 8 * h;
                IntVector s0 = IntVector.zero(Lanes.I), s1 = s0;
                // chunk() written out: C2 left it out of line here (the caller is large), boxing its result.
                for (int k = 0; k < 8; k += 2) {
                    ShortVector w0 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + k * CHUNK).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    IntVector p0 = w0.mul(IntVector.broadcast(Lanes.I, xp[pp + k]).reinterpretAsShorts()).reinterpretAsInts();
                    s0 = s0.add(p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                    ShortVector w1 = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, base + (k + 1) * CHUNK).convertShape(VectorOperators.B2S, Lanes.S, 0);
                    IntVector p1 = w1.mul(IntVector.broadcast(Lanes.I, xp[pp + k + 1]).reinterpretAsShorts()).reinterpretAsInts();
                    s1 = s1.add(p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                }
                FloatVector scale = bytes(halfScales, 2 * (g * blocks + b) * R + h * R).mul(d).mul(a.d16[hb + Q8Rows.halfIndex(b, h)]);
                acc = ((FloatVector) s0.add(s1).convert(VectorOperators.I2F, 0)).fma(scale, acc);
            }
        }
        store(acc, out, o, valid);
    }

    private static void store(FloatVector v, float[] out, int o, int valid) {
        if (valid == R) v.intoArray(out, o);
        else v.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /** {@code R} signed bytes from {@code src[at..]} as floats. */
    private static FloatVector bytes(byte[] src, int at) {
        return (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, src, at).convertShape(VectorOperators.B2I, Lanes.I, 0).convert(VectorOperators.I2F, 0);
    }

    /** Per row (int lane), the sum of its two products in the chunk at {@code at} with the activation pair {@code pair}. */
    private IntVector chunk(int at, int pair) {
        ShortVector w = (ShortVector) ByteVector.fromArray(Lanes.B_HALF, qs, at).convertShape(VectorOperators.B2S, Lanes.S, 0);
        IntVector p = w.mul(IntVector.broadcast(Lanes.I, pair).reinterpretAsShorts()).reinterpretAsInts();
        // The high half of p + (p << 16) is the pair's sum (the low product's carry included).
        return p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        int g = r / R, j = r % R;
        for (int b = 0; b < blocks; b++) {
            float d0, d1;
            if (dh != null) {
                d0 = d1 = Float.float16ToFloat(dh[(g * blocks + b) * R + j]);
            } else {
                float d = superD[(g * blocks / 8 + b / 8) * R + j];
                d0 = d * halfScales[2 * (g * blocks + b) * R + j];
                d1 = d * halfScales[2 * (g * blocks + b) * R + R + j];
            }
            int base = (g * blocks + b) * BLOCK_BYTES + 2 * j, at = offset + 32 * b;
            for (int k = 0; k < 16; k++) {
                float dk = k < 8 ? d0 : d1;
                dst[at + 2 * k] = dk * qs[base + k * CHUNK];
                dst[at + 2 * k + 1] = dk * qs[base + k * CHUNK + 1];
            }
        }
    }
}
