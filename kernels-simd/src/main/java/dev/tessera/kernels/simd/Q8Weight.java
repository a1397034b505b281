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
 * <p>Batches of {@link FloatGemm#MIN_BATCH} or more take 4 activation rows at a time and one
 * llama.cpp lane at a time: each loaded weight chunk serves the 4 rows, the per-block scales are
 * formed once per tile in scratch, and the group's weights (a few tens of KB) stay in cache across
 * the 8 lane passes.
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
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R));
        }
    }

    /** The {@code R} rows of group {@code g} against activation row {@code i}; stores the first {@code valid}. */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        if (dh != null) groupQ8(a, i, g, out, o, valid);
        else groupQ6(a, i, g, out, o, valid);
    }

    // The lane code below is written out and calls no helper of ours that takes or returns vectors:
    // a call C2 leaves out of line (it stops inlining once a method has grown large) boxes them,
    // which allocates per block. Vector API calls are always inlined.

    private void groupQ8(Q8Rows a, int i, int g, float[] out, int o, int valid) {
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
        else r.intoArray(out, o, F.indexInRange(0, valid));
    }

    private void groupQ6(Q8Rows a, int i, int g, float[] out, int o, int valid) {
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
        else r.intoArray(out, o, F.indexInRange(0, valid));
    }

    // ---- batched (prefill) path: tiles of 4 activation rows, one llama.cpp lane at a time ----

    /** Activation rows per block of the batched loop: their pairs (4 KB per row at 2048 columns) stay in L2 across the row groups. */
    private static final int ACT_BLOCK = 32;

    /**
     * Per row group and tile of 4 activation rows: the FMA scales per block (Q6_K: super-block) and
     * row into scratch, then 8 lane passes, each leaving its 4 accumulators in scratch, then
     * llama.cpp's sum of the lanes. Rows left over from the tiles take the one-row kernel.
     */
    private void batched(Q8Rows a, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows, Scratch scratch) {
        int scaled = dh != null ? blocks : blocks / 8;
        int parts = 4 * scaled * R;
        float[] sc = scratch.scales(parts + 32 * R);
        for (int i0 = 0; i0 < n; i0 += ACT_BLOCK) {
            int i1 = Math.min(n, i0 + ACT_BLOCK);
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, r1 - g * R);
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    if (dh != null) {
                        scales4Q8(a, i, g, sc);
                        for (int m = 0; m < 8; m++) lane4Q8(a, i, g, m, sc, parts + 4 * m * R);
                    } else {
                        scales4Q6(a, i, g, sc);
                        for (int m = 0; m < 8; m++) lane4Q6(a, i, g, m, sc, parts + 4 * m * R);
                    }
                    finish4(sc, parts, out, outOffset + i * outRows + g * R, outRows, valid);
                }
                for (; i < i1; i++) group(a, i, g, out, outOffset + i * outRows + g * R, valid);
            }
        }
    }

    /** {@code d_w·d_x} of group {@code g}'s rows per block {@code b} and activation row {@code i + k} at {@code sc[(4b + k)·R..]}. */
    private void scales4Q8(Q8Rows a, int i, int g, float[] sc) {
        int bs = a.blockStride;
        for (int b = 0; b < blocks; b++) {
            FloatVector dw = Half.load(dh, (g * blocks + b) * R);
            for (int k = 0; k < 4; k++) dw.mul(a.d[(i + k) * bs + b]).intoArray(sc, (4 * b + k) * R);
        }
    }

    /** {@code d_x·d} per super-block {@code sb} and activation row {@code i + k} at {@code sc[(4sb + k)·R..]}. */
    private void scales4Q6(Q8Rows a, int i, int g, float[] sc) {
        int bs = a.blockStride;
        for (int sb = 0; sb < blocks / 8; sb++) {
            FloatVector d = FloatVector.fromArray(F, superD, (g * blocks / 8 + sb) * R);
            for (int k = 0; k < 4; k++) d.mul(a.d[(i + k) * bs + 8 * sb]).intoArray(sc, (4 * sb + k) * R);
        }
    }

    /** Lane {@code m}'s accumulators of group {@code g} against activation rows {@code i..i+3}, to {@code sc[po + k·R..]}. */
    private void lane4Q8(Q8Rows a, int i, int g, int m, float[] sc, int po) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        int[] xp = a.adjacent;
        int step = a.blocks * 16, p0 = i * step + 2 * m, p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
        for (int b = 0; b < blocks; b++) {
            int at = (g * blocks + b) * BLOCK_BYTES + 2 * m * CHUNK, q = 16 * b;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(BH, qs, at).convertShape(B2S, S, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromArray(BH, qs, at + CHUNK).convertShape(B2S, S, 0);
            IntVector p;
            p = w0.mul(IntVector.broadcast(I, xp[p0 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p0 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
            c0 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(FloatVector.fromArray(F, sc, (4 * b) * R), c0);
            p = w0.mul(IntVector.broadcast(I, xp[p1 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p1 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
            c1 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(FloatVector.fromArray(F, sc, (4 * b + 1) * R), c1);
            p = w0.mul(IntVector.broadcast(I, xp[p2 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p2 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
            c2 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(FloatVector.fromArray(F, sc, (4 * b + 2) * R), c2);
            p = w0.mul(IntVector.broadcast(I, xp[p3 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p3 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
            c3 = ((FloatVector) p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0)).fma(FloatVector.fromArray(F, sc, (4 * b + 3) * R), c3);
        }
        c0.intoArray(sc, po);
        c1.intoArray(sc, po + R);
        c2.intoArray(sc, po + 2 * R);
        c3.intoArray(sc, po + 3 * R);
    }

    /** As {@link #lane4Q8} for Q6_K: scaled integer sums per super-block, one FMA each. */
    private void lane4Q6(Q8Rows a, int i, int g, int m, float[] sc, int po) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        int[] xp = a.adjacent;
        int step = a.blocks * 16, p0 = i * step + 2 * m, p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
        for (int sb = 0; sb < blocks / 8; sb++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int b = 8 * sb; b < 8 * sb + 8; b++) {
                int at = (g * blocks + b) * BLOCK_BYTES + 2 * m * CHUNK, q = 16 * b;
                FloatVector h = (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, halfScales, 2 * (g * blocks + b) * R + (m >> 2) * R)
                        .convertShape(VectorOperators.B2I, I, 0).convert(I2F, 0);
                ShortVector w0 = (ShortVector) ByteVector.fromArray(BH, qs, at).convertShape(B2S, S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromArray(BH, qs, at + CHUNK).convertShape(B2S, S, 0);
                IntVector p;
                p = w0.mul(IntVector.broadcast(I, xp[p0 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p0 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
                s0 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(h, s0);
                p = w0.mul(IntVector.broadcast(I, xp[p1 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p1 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
                s1 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(h, s1);
                p = w0.mul(IntVector.broadcast(I, xp[p2 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p2 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
                s2 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(h, s2);
                p = w0.mul(IntVector.broadcast(I, xp[p3 + q]).reinterpretAsShorts()).add(w1.mul(IntVector.broadcast(I, xp[p3 + q + 1]).reinterpretAsShorts())).reinterpretAsInts();
                s3 = ((FloatVector) p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0)).fma(h, s3);
            }
            c0 = s0.fma(FloatVector.fromArray(F, sc, (4 * sb) * R), c0);
            c1 = s1.fma(FloatVector.fromArray(F, sc, (4 * sb + 1) * R), c1);
            c2 = s2.fma(FloatVector.fromArray(F, sc, (4 * sb + 2) * R), c2);
            c3 = s3.fma(FloatVector.fromArray(F, sc, (4 * sb + 3) * R), c3);
        }
        c0.intoArray(sc, po);
        c1.intoArray(sc, po + R);
        c2.intoArray(sc, po + 2 * R);
        c3.intoArray(sc, po + 3 * R);
    }

    /** llama.cpp's sum of the 8 lanes left at {@code sc[parts + (4m + k)·R..]}, for activation row {@code k} of the tile. */
    private static void finish4(float[] sc, int parts, float[] out, int o, int stride, int valid) {
        for (int k = 0; k < 4; k++) {
            int at = parts + k * R;
            FloatVector r = FloatVector.fromArray(F, sc, at).add(FloatVector.fromArray(F, sc, at + 16 * R))
                    .add(FloatVector.fromArray(F, sc, at + 8 * R).add(FloatVector.fromArray(F, sc, at + 24 * R)))
                    .add(FloatVector.fromArray(F, sc, at + 4 * R).add(FloatVector.fromArray(F, sc, at + 20 * R))
                            .add(FloatVector.fromArray(F, sc, at + 12 * R).add(FloatVector.fromArray(F, sc, at + 28 * R))));
            if (valid == R) r.intoArray(out, o + k * stride);
            else r.intoArray(out, o + k * stride, F.indexInRange(0, valid));
        }
    }
}
