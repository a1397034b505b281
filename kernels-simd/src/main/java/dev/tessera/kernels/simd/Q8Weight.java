package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * Q8_0 and Q6_K weights as signed 8-bit codes, repacked at load into groups of {@link #R} rows
 * interleaved as {@link Q4Weight} does: for row group {@code G}, block {@code b} and chunk
 * {@code k < 16}, {@link #CHUNK} bytes hold, at byte {@code 2j + t}, row {@code j}'s code of element
 * {@code 2k + t}. Scales stay as the file has them: Q8_0's FP16 scale per block (34 bytes per 32
 * weights, as the file), Q6_K's 8-bit scale per 16 elements in registers times
 * {@code d} per super-block as a float (34.5 bytes per 32 weights; the file packs the codes in 6 bits, 26.25;
 * the generic {@link Int8Weight} layout reads 40).
 *
 * <p>The float arithmetic is llama.cpp's ({@link dev.tessera.quant.LlamaCppDot}): its 8 float lanes
 * per row take elements {@code 4m..4m+3} of each 32-element stretch, which here are chunks
 * {@code 2m, 2m+1}. So the kernel keeps 8 accumulator vectors, vector lane = row, one per llama.cpp
 * lane, and sums them in llama.cpp's pattern at the end. Per chunk pair: the codes widen to 16 bits
 * and multiply one broadcast activation pair each ({@link Q8Rows#adjacent}); the two chunks' products
 * add in 16 bits ({@code |w·x + w'·x'| ≤ 2·128·127}) and each row's two 16-bit lanes add into one
 * 32-bit lane: the exact 4-product sum of the row's lane. Q8_0 converts it and does llama.cpp's FMA
 * with {@code d_w·d_x} per block; Q6_K multiplies it by the 16-element group's scale in float (every
 * partial sum of a super-block stays below 2^24, so this is the exact integer sum) and does the FMA
 * with {@code d_x·d} once per super-block.
 *
 * <p>Batches of {@link FloatGemm#MIN_BATCH} or more decode each row group's codes to floats once
 * (Q6_K's with their scales folded in) and the activation codes to floats once per block of rows,
 * then take 8 activation rows and one llama.cpp lane at a time: every weight vector loaded serves
 * the 8 rows, and the lane's integer sums come out of float FMAs exactly (all below 2^24).
 */
final class Q8Weight implements PackedWeight {
    /** Rows per interleaved group. */
    static final int R = Lanes.SHORTS / 2;
    private static final int CHUNK = Lanes.SHORTS;
    private static final int BLOCK_BYTES = 16 * CHUNK;
    private static final VectorSpecies<Byte> BH = Lanes.B_HALF;
    private static final VectorSpecies<Short> S = Lanes.S;
    private static final VectorSpecies<Integer> I = Lanes.I;
    private static final VectorSpecies<Float> F = Lanes.F;

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
        float[] tmp = scratch.scales(R);
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R), tmp, 0);
        }
    }

    /**
     * The {@code R} rows of group {@code g} against activation row {@code i}; stores the first
     * {@code valid}, a partial group through {@code tmp[t..t+R)} (a masked store would grow the
     * kernels' compiled graphs, and C2 gives up inlining vector operations in graphs too large).
     */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] tmp, int t) {
        if (dh != null) groupQ8(a, i, g, out, o, valid, tmp, t);
        else groupQ6(a, i, g, out, o, valid, tmp, t);
    }

    // The lane code below is written out and calls no helper of ours that takes or returns vectors:
    // a call C2 leaves out of line (it stops inlining once a method has grown large) boxes them,
    // which allocates per block. Vector API calls are always inlined.

    private void groupQ8(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] tmp, int t) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int[] xp = a.adjacent;
        int px = i * a.blocks * 16, db = i * a.blockStride;
        for (int b = 0; b < blocks; b++) {
            FloatVector d = Half.load(dh, (g * blocks + b) * R).mul(a.d[db + b]);
            int at = (g * blocks + b) * BLOCK_BYTES, pp = px + 16 * b;
            IntVector p;
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 1]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c0 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c0);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 2 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 2]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 2 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 3]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c1 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c1);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 4 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 4]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 4 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 5]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c2 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c2);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 6 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 6]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 6 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 7]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c3 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c3);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 8 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 8]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 8 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 9]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c4 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c4);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 10 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 10]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 10 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 11]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c5 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c5);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 12 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 12]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 12 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 13]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c6 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c6);
            p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 14 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 14]).reinterpretAsShorts())
                    .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 14 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 15]).reinterpretAsShorts()))
                    .reinterpretAsInts();
            c7 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(d, c7);
        }
        FloatVector r = c0.add(c4).add(c2.add(c6)).add(c1.add(c5).add(c3.add(c7)));
        if (valid == R) r.intoArray(out, o);
        else {
            r.intoArray(tmp, t);
            System.arraycopy(tmp, t, out, o, valid);
        }
    }

    private void groupQ6(Q8Rows a, int i, int g, float[] out, int o, int valid, float[] tmp, int t) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int[] xp = a.adjacent;
        int px = i * a.blocks * 16, db = i * a.blockStride;
        for (int b0 = 0; b0 < blocks; b0 += 8) {
            // The lanes' exact integer sums over the super-block, held in floats (below 2^24).
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int b = b0; b < b0 + 8; b++) {
                int at = (g * blocks + b) * BLOCK_BYTES, pp = px + 16 * b, hs = 2 * (g * blocks + b) * R;
                FloatVector lo = (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, halfScales, hs).convertShape(VectorOperators.B2I, I, 0).convert(I2F, 0);
                FloatVector hi = (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, halfScales, hs + R).convertShape(VectorOperators.B2I, I, 0).convert(I2F, 0);
                IntVector p;
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 1]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s0 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(lo, s0);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 2 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 2]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 2 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 3]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s1 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(lo, s1);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 4 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 4]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 4 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 5]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s2 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(lo, s2);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 6 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 6]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 6 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 7]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s3 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(lo, s3);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 8 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 8]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 8 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 9]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s4 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(hi, s4);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 10 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 10]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 10 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 11]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s5 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(hi, s5);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 12 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 12]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 12 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 13]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s6 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(hi, s6);
                p = ((ShortVector) ByteVector.fromArray(BH, qs, at + 14 * CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 14]).reinterpretAsShorts())
                        .add(((ShortVector) ByteVector.fromArray(BH, qs, at + 14 * CHUNK + CHUNK).convertShape(B2S, S, 0)).mul(IntVector.broadcast(I, xp[pp + 15]).reinterpretAsShorts()))
                        .reinterpretAsInts();
                s7 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(hi, s7);
            }
            FloatVector d = FloatVector.fromArray(F, superD, (g * blocks / 8 + b0 / 8) * R).mul(a.d[db + b0]);
            c0 = s0.fma(d, c0);
            c1 = s1.fma(d, c1);
            c2 = s2.fma(d, c2);
            c3 = s3.fma(d, c3);
            c4 = s4.fma(d, c4);
            c5 = s5.fma(d, c5);
            c6 = s6.fma(d, c6);
            c7 = s7.fma(d, c7);
        }
        FloatVector r = c0.add(c4).add(c2.add(c6)).add(c1.add(c5).add(c3.add(c7)));
        if (valid == R) r.intoArray(out, o);
        else {
            r.intoArray(tmp, t);
            System.arraycopy(tmp, t, out, o, valid);
        }
    }

    // ---- batched (prefill) path: tiles of 8 activation rows, one llama.cpp lane at a time ----

    /** Activation rows per block of the batched loop: their codes as floats (8 KB per row at 2048 columns) stay in L2. */
    private static final int ACT_BLOCK = 64;
    private static final int TILE = 8;

    /**
     * Per block of activation rows, their codes as floats; per row group, its codes as floats
     * (Q6_K: times their 8-bit scales); then per tile of {@link #TILE} activation rows and llama.cpp
     * lane, one pass over the blocks. Every product and partial sum of a lane is an integer below
     * 2^24, so float FMAs give the exact integer sums that llama.cpp converts, in any order; the
     * scaling FMAs then follow its order. Rows left over from the tiles take the one-row kernel.
     */
    private void batched(Q8Rows a, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows, Scratch scratch) {
        int cols = 32 * blocks;
        float[] wf = scratch.tile(cols * R);
        float[] xf = scratch.scales(ACT_BLOCK * cols + 9 * TILE * R);
        int parts = ACT_BLOCK * cols;
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            codes(a, i0, i1, xf);
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                decode(g, wf);
                int i = i0;
                for (; i + TILE <= i1; i += TILE) {
                    for (int m = 0; m < 8; m++) {
                        if (dh != null) laneQ8(a, i0, i - i0, g, m, wf, xf, xf, parts + m * TILE * R);
                        else laneQ6(a, i0, i - i0, g, m, wf, xf, xf, parts + m * TILE * R);
                    }
                    finish(xf, parts, out, outOffset + i * outRows + g * R, outRows, valid, parts + 8 * TILE * R);
                }
                for (; i < i1; i++) group(a, i, g, out, outOffset + i * outRows + g * R, valid, xf, parts + 8 * TILE * R);
            }
        }
    }

    /** The codes of activation rows {@code i0..i1-1} as floats, row-major from {@code xf[0]}. */
    private void codes(Q8Rows a, int i0, int i1, float[] xf) {
        int cols = 32 * blocks;
        for (int i = i0; i < i1; i++) {
            int qo = i * a.rowStride, xo = (i - i0) * cols;
            for (int b = 0; b < blocks; b++) {
                for (int h = 0; h < 2; h++) {
                    int at = qo + Q8Rows.index(32 * b + 16 * h);
                    for (int e = 0; e < 16; e += Lanes.FLOATS) {
                        ShortVector.fromArray(Lanes.S_HALF, a.q, at + e).convertShape(VectorOperators.S2F, F, 0)
                                .reinterpretAsFloats().intoArray(xf, xo + 32 * b + 16 * h + e);
                    }
                }
            }
        }
    }

    /** Group {@code g}'s codes as floats (Q6_K: times their 16-element group's scale): element {@code e} of the rows at {@code wf[e·R..]}. */
    private void decode(int g, float[] wf) {
        for (int b = 0; b < blocks; b++) {
            int base = (g * blocks + b) * BLOCK_BYTES;
            for (int k = 0; k < 16; k++) {
                IntVector w = ((ShortVector) ByteVector.fromArray(BH, qs, base + k * CHUNK).convertShape(B2S, S, 0)).reinterpretAsInts();
                FloatVector even = (FloatVector) w.lanewise(LSHL, 16).lanewise(ASHR, 16).convert(I2F, 0);
                FloatVector odd = (FloatVector) w.lanewise(ASHR, 16).convert(I2F, 0);
                if (dh == null) {
                    FloatVector sc = (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, halfScales, 2 * (g * blocks + b) * R + (k >> 3) * R)
                            .convertShape(VectorOperators.B2I, I, 0).convert(I2F, 0);
                    even = even.mul(sc);
                    odd = odd.mul(sc);
                }
                even.intoArray(wf, (32 * b + 2 * k) * R);
                odd.intoArray(wf, (32 * b + 2 * k + 1) * R);
            }
        }
    }

    // In the lane passes below, with Q6_K's scale folded into the weights, a lane's products are at
    // most 128·127 (Q8_0, 4 per block) or 32·128·127 (Q6_K, 32 per super-block): the float sums are exact.

    /**
     * Lane {@code m} of group {@code g} against activation rows {@code i0 + i ..} (their float codes at
     * {@code xf[(i + k)·cols..]}): per block the exact 4-product sum, then llama.cpp's
     * {@code fma(d_w·d_x, Σ, acc)}; the {@link #TILE} accumulators go to {@code parts[po + k·R..]}.
     */
    private void laneQ8(Q8Rows a, int i0, int i, int g, int m, float[] wf, float[] xf, float[] parts, int po) {
        int cols = 32 * blocks;
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int x0 = i * cols + 4 * m, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols, x4 = x3 + cols, x5 = x4 + cols, x6 = x5 + cols, x7 = x6 + cols;
        int bs = a.blockStride, d0 = (i0 + i) * bs, d1 = d0 + bs, d2 = d1 + bs, d3 = d2 + bs, d4 = d3 + bs, d5 = d4 + bs, d6 = d5 + bs, d7 = d6 + bs;
        float[] ad = a.d;
        for (int b = 0; b < blocks; b++) {
            FloatVector dw = Half.load(dh, (g * blocks + b) * R);
            int e = 32 * b, w = (e + 4 * m) * R;
            FloatVector wa = FloatVector.fromArray(F, wf, w), wb = FloatVector.fromArray(F, wf, w + R);
            FloatVector wc = FloatVector.fromArray(F, wf, w + 2 * R), wd = FloatVector.fromArray(F, wf, w + 3 * R);
            c0 = wd.fma(FloatVector.broadcast(F, xf[x0 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x0 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x0 + e + 1]), wa.mul(xf[x0 + e]))))
                    .fma(dw.mul(ad[d0 + b]), c0);
            c1 = wd.fma(FloatVector.broadcast(F, xf[x1 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x1 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x1 + e + 1]), wa.mul(xf[x1 + e]))))
                    .fma(dw.mul(ad[d1 + b]), c1);
            c2 = wd.fma(FloatVector.broadcast(F, xf[x2 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x2 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x2 + e + 1]), wa.mul(xf[x2 + e]))))
                    .fma(dw.mul(ad[d2 + b]), c2);
            c3 = wd.fma(FloatVector.broadcast(F, xf[x3 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x3 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x3 + e + 1]), wa.mul(xf[x3 + e]))))
                    .fma(dw.mul(ad[d3 + b]), c3);
            c4 = wd.fma(FloatVector.broadcast(F, xf[x4 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x4 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x4 + e + 1]), wa.mul(xf[x4 + e]))))
                    .fma(dw.mul(ad[d4 + b]), c4);
            c5 = wd.fma(FloatVector.broadcast(F, xf[x5 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x5 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x5 + e + 1]), wa.mul(xf[x5 + e]))))
                    .fma(dw.mul(ad[d5 + b]), c5);
            c6 = wd.fma(FloatVector.broadcast(F, xf[x6 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x6 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x6 + e + 1]), wa.mul(xf[x6 + e]))))
                    .fma(dw.mul(ad[d6 + b]), c6);
            c7 = wd.fma(FloatVector.broadcast(F, xf[x7 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x7 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x7 + e + 1]), wa.mul(xf[x7 + e]))))
                    .fma(dw.mul(ad[d7 + b]), c7);
        }
        c0.intoArray(parts, po);
        c1.intoArray(parts, po + 1 * R);
        c2.intoArray(parts, po + 2 * R);
        c3.intoArray(parts, po + 3 * R);
        c4.intoArray(parts, po + 4 * R);
        c5.intoArray(parts, po + 5 * R);
        c6.intoArray(parts, po + 6 * R);
        c7.intoArray(parts, po + 7 * R);
    }

    /** As {@link #laneQ8} for Q6_K: the exact scaled sum per super-block, then {@code fma(d_x·d, Σ, acc)}. */
    private void laneQ6(Q8Rows a, int i0, int i, int g, int m, float[] wf, float[] xf, float[] parts, int po) {
        int cols = 32 * blocks;
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int x0 = i * cols + 4 * m, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols, x4 = x3 + cols, x5 = x4 + cols, x6 = x5 + cols, x7 = x6 + cols;
        int bs = a.blockStride, d0 = (i0 + i) * bs, d1 = d0 + bs, d2 = d1 + bs, d3 = d2 + bs, d4 = d3 + bs, d5 = d4 + bs, d6 = d5 + bs, d7 = d6 + bs;
        float[] ad = a.d;
        for (int sb = 0; sb < blocks / 8; sb++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int b = 8 * sb; b < 8 * sb + 8; b++) {
                int e = 32 * b, w = (e + 4 * m) * R;
                FloatVector wa = FloatVector.fromArray(F, wf, w), wb = FloatVector.fromArray(F, wf, w + R);
                FloatVector wc = FloatVector.fromArray(F, wf, w + 2 * R), wd = FloatVector.fromArray(F, wf, w + 3 * R);
                s0 = wd.fma(FloatVector.broadcast(F, xf[x0 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x0 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x0 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x0 + e]), s0))));
                s1 = wd.fma(FloatVector.broadcast(F, xf[x1 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x1 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x1 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x1 + e]), s1))));
                s2 = wd.fma(FloatVector.broadcast(F, xf[x2 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x2 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x2 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x2 + e]), s2))));
                s3 = wd.fma(FloatVector.broadcast(F, xf[x3 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x3 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x3 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x3 + e]), s3))));
                s4 = wd.fma(FloatVector.broadcast(F, xf[x4 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x4 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x4 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x4 + e]), s4))));
                s5 = wd.fma(FloatVector.broadcast(F, xf[x5 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x5 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x5 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x5 + e]), s5))));
                s6 = wd.fma(FloatVector.broadcast(F, xf[x6 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x6 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x6 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x6 + e]), s6))));
                s7 = wd.fma(FloatVector.broadcast(F, xf[x7 + e + 3]), wc.fma(FloatVector.broadcast(F, xf[x7 + e + 2]), wb.fma(FloatVector.broadcast(F, xf[x7 + e + 1]), wa.fma(FloatVector.broadcast(F, xf[x7 + e]), s7))));
            }
            FloatVector sd = FloatVector.fromArray(F, superD, (g * blocks / 8 + sb) * R);
            c0 = s0.fma(sd.mul(ad[d0 + 8 * sb]), c0);
            c1 = s1.fma(sd.mul(ad[d1 + 8 * sb]), c1);
            c2 = s2.fma(sd.mul(ad[d2 + 8 * sb]), c2);
            c3 = s3.fma(sd.mul(ad[d3 + 8 * sb]), c3);
            c4 = s4.fma(sd.mul(ad[d4 + 8 * sb]), c4);
            c5 = s5.fma(sd.mul(ad[d5 + 8 * sb]), c5);
            c6 = s6.fma(sd.mul(ad[d6 + 8 * sb]), c6);
            c7 = s7.fma(sd.mul(ad[d7 + 8 * sb]), c7);
        }
        c0.intoArray(parts, po);
        c1.intoArray(parts, po + 1 * R);
        c2.intoArray(parts, po + 2 * R);
        c3.intoArray(parts, po + 3 * R);
        c4.intoArray(parts, po + 4 * R);
        c5.intoArray(parts, po + 5 * R);
        c6.intoArray(parts, po + 6 * R);
        c7.intoArray(parts, po + 7 * R);
    }

    /** llama.cpp's sum of the 8 lanes left at {@code parts[p + (TILE·m + k)·R..]}, for activation row {@code k} of the tile
     * (a partial group through {@code parts[t..t+R)}). */
    private static void finish(float[] parts, int p, float[] out, int o, int stride, int valid, int t) {
        for (int k = 0; k < TILE; k++) {
            int at = p + k * R, l = TILE * R;
            FloatVector r = FloatVector.fromArray(F, parts, at).add(FloatVector.fromArray(F, parts, at + 4 * l))
                    .add(FloatVector.fromArray(F, parts, at + 2 * l).add(FloatVector.fromArray(F, parts, at + 6 * l)))
                    .add(FloatVector.fromArray(F, parts, at + l).add(FloatVector.fromArray(F, parts, at + 5 * l))
                            .add(FloatVector.fromArray(F, parts, at + 3 * l).add(FloatVector.fromArray(F, parts, at + 7 * l))));
            if (valid == R) r.intoArray(out, o + k * stride);
            else {
                r.intoArray(parts, t);
                System.arraycopy(parts, t, out, o + k * stride, valid);
            }
        }
    }
}
