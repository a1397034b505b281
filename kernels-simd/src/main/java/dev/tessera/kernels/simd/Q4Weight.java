package dev.tessera.kernels.simd;

import dev.tessera.quant.ReferenceDot;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

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
 * keeps its 6-bit scales and mins as bytes per block and its FP16 {@code d, dmin} per super-block,
 * multiplied in registers ({@code d·sc, −dmin·m}, the same float products ggml forms), so it streams
 * 18.5 bytes per 32 weights (the file 18); Q4_1 keeps a float scale and offset per block. The offset
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
    /** Q4_K: FP16 {@code d} and {@code dmin} per (group, super-block, row); else null. */
    final short[] kd;
    final short[] kdMin;

    /** Q8_0 for Q4_0, Q8_1 for Q4_1, Q8_K for Q4_K. */
    private final TensorType activations;

    private Q4Weight(int rows, int blocks, byte[] qs, short[] dh, float[] scales, float[] offsets,
                     byte[] kScales, byte[] kMins, short[] kd, short[] kdMin, TensorType activations) {
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
        short[] kd = q4k ? new short[(int) slots / 8 + Lanes.FLOATS] : null;
        short[] kdMin = q4k ? new short[(int) slots / 8 + Lanes.FLOATS] : null;
        Q4Pack.fill(t, parallel, qs, dh, scales, offsets, kScales, kMins, kd, kdMin);
        return new Q4Weight(rows, blocks, qs, dh, scales, offsets, kScales, kMins, kd, kdMin, ReferenceDot.activationType(type));
    }

    @Override
    public TensorType activations() { return activations; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows a, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (r0 % R != 0) throw new IllegalStateException("row range must start at a multiple of " + R + ": " + r0);
        int g1 = (r1 + R - 1) / R;
        if (n >= FloatGemm.MIN_BATCH) {
            batched(x, xOffset, n, r0 / R, g1, r1, out, outOffset, outRows, scratch);
            return;
        }
        for (int g = r0 / R; g < g1; g++) {
            for (int i = 0; i < n; i++) group(a, i, g, out, outOffset + i * outRows + g * R, Math.min(R, r1 - g * R));
        }
    }

    /** The {@code R} rows of group {@code g} against activation row {@code i}; stores the first {@code valid}. */
    private void group(Q8Rows a, int i, int g, float[] out, int o, int valid) {
        FloatVector acc = FloatVector.zero(Lanes.F), corr = acc;
        FloatVector superD = acc, superMin = acc; // Q4_K: the current super-block's d and −dmin per row
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
            FloatVector dw, off;
            if (dh != null) {
                dw = Half.load(dh, slot);
                off = dw;
            } else if (kd != null) {
                if ((b & 7) == 0) {
                    superD = Half.load(kd, (g * blocks / 8 + b / 8) * R);
                    superMin = Half.load(kdMin, (g * blocks / 8 + b / 8) * R).neg();
                }
                dw = bytes(kScales, slot).mul(superD);
                off = bytes(kMins, slot).mul(superMin);
            } else {
                dw = FloatVector.fromArray(Lanes.F, scales, slot);
                off = FloatVector.fromArray(Lanes.F, offsets, slot);
            }
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(dw.mul(a.d[db + b]), acc);
            corr = off.fma(FloatVector.broadcast(Lanes.F, a.s[db + b]), corr);
        }
        FloatVector res = dh != null ? corr.mul(-8f).add(acc) : acc.add(corr);
        if (valid == R) res.intoArray(out, o);
        else res.intoArray(out, o, Lanes.F.indexInRange(0, valid));
    }

    /** {@code R} unsigned bytes from {@code src[slot..]} as floats. */
    private static FloatVector bytes(byte[] src, int slot) {
        return (FloatVector) ByteVector.fromArray(Lanes.B_QUARTER, src, slot).convertShape(VectorOperators.B2F, Lanes.F, 0);
    }

    /** Scales of group {@code g}'s rows in block {@code b}. */
    private FloatVector scale(int g, int b) {
        int slot = (g * blocks + b) * R;
        if (dh != null) return Half.load(dh, slot);
        if (kd != null) return bytes(kScales, slot).mul(Half.load(kd, (g * blocks / 8 + b / 8) * R));
        return FloatVector.fromArray(Lanes.F, scales, slot);
    }

    /** Offsets of group {@code g}'s rows in block {@code b}. */
    private FloatVector offset(int g, int b) {
        int slot = (g * blocks + b) * R;
        if (dh != null) return Half.load(dh, slot).mul(-8f);
        if (kd != null) return bytes(kMins, slot).mul(Half.load(kdMin, (g * blocks / 8 + b / 8) * R).neg());
        return FloatVector.fromArray(Lanes.F, offsets, slot);
    }

    // ---- batched (prefill) path: float FMAs on a decoded group tile ----

    private static final VectorShuffle<Float> SPREAD_LOW = VectorShuffle.fromOp(Lanes.F, l -> l / 2);
    private static final VectorShuffle<Float> SPREAD_HIGH = VectorShuffle.fromOp(Lanes.F, l -> (R + l) / 2);
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(Lanes.F, l -> l ^ 1);

    /**
     * Each row group is decoded once to floats in the interleaved order (per block and chunk: the
     * low-nibble elements of all rows, then the high-nibble ones, two lanes per row), then multiplied
     * with two activation rows at a time: their element pairs arrive as 64-bit broadcasts, and
     * every FMA does useful work for all lanes. Lane pairs are summed per row at the end.
     */
    private void batched(float[] x, int xOffset, int n, int g0, int g1, int r1, float[] out, int outOffset, int outRows,
                         Scratch scratch) {
        int cols = 32 * blocks, half = cols / 2;
        long[] xp = scratch.pairs(n * half);
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < half; m++) {
                int e = xOffset + i * cols + 2 * m;
                xp[i * half + m] = (Float.floatToRawIntBits(x[e]) & 0xFFFFFFFFL) | (long) Float.floatToRawIntBits(x[e + 1]) << 32;
            }
        }
        float[] tile = scratch.tile(cols * R);
        for (int g = g0; g < g1; g++) {
            decodeGroup(g, tile);
            int valid = Math.min(R, r1 - g * R);
            int i = 0;
            for (; i + 2 <= n; i += 2) tile2(tile, xp, i * half, (i + 1) * half, out, outOffset + i * outRows + g * R, outOffset + (i + 1) * outRows + g * R, valid);
            if (i < n) tile2(tile, xp, i * half, i * half, out, outOffset + i * outRows + g * R, -1, valid);
        }
    }

    private void decodeGroup(int g, float[] tile) {
        for (int b = 0; b < blocks; b++) {
            FloatVector dw = scale(g, b), ow = offset(g, b);
            FloatVector d0 = dw.rearrange(SPREAD_LOW), d1 = dw.rearrange(SPREAD_HIGH);
            FloatVector o0 = ow.rearrange(SPREAD_LOW), o1 = ow.rearrange(SPREAD_HIGH);
            int base = (g * blocks + b) * 8 * CHUNK;
            for (int k = 0; k < 8; k++) {
                int t = (b * 8 + k) * 4 * R;
                IntVector v0 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, qs, base + k * CHUNK).convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                IntVector v1 = (IntVector) ByteVector.fromArray(Lanes.B_QUARTER, qs, base + k * CHUNK + R).convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                ((FloatVector) v0.and(0xF).convert(VectorOperators.I2F, 0)).fma(d0, o0).intoArray(tile, t);
                ((FloatVector) v1.and(0xF).convert(VectorOperators.I2F, 0)).fma(d1, o1).intoArray(tile, t + R);
                ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d0, o0).intoArray(tile, t + 2 * R);
                ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d1, o1).intoArray(tile, t + 3 * R);
            }
        }
    }

    /** The decoded group against activation rows at pair offsets {@code p0, p1}; {@code o1 < 0}: one row only. */
    private void tile2(float[] tile, long[] xp, int p0, int p1, float[] out, int o0, int o1, int valid) {
        FloatVector l00 = FloatVector.zero(Lanes.F), l01 = l00, h00 = l00, h01 = l00;
        FloatVector l10 = l00, l11 = l00, h10 = l00, h11 = l00;
        int chunks = blocks * 8;
        for (int c = 0; c < chunks; c++) {
            int t = c * 4 * R;
            FloatVector lo0 = FloatVector.fromArray(Lanes.F, tile, t), lo1 = FloatVector.fromArray(Lanes.F, tile, t + R);
            FloatVector hi0 = FloatVector.fromArray(Lanes.F, tile, t + 2 * R), hi1 = FloatVector.fromArray(Lanes.F, tile, t + 3 * R);
            FloatVector xa = LongVector.broadcast(Lanes.L, xp[p0 + 2 * c]).reinterpretAsFloats();
            FloatVector xb = LongVector.broadcast(Lanes.L, xp[p0 + 2 * c + 1]).reinterpretAsFloats();
            l00 = lo0.fma(xa, l00);
            l01 = lo1.fma(xa, l01);
            h00 = hi0.fma(xb, h00);
            h01 = hi1.fma(xb, h01);
            FloatVector ya = LongVector.broadcast(Lanes.L, xp[p1 + 2 * c]).reinterpretAsFloats();
            FloatVector yb = LongVector.broadcast(Lanes.L, xp[p1 + 2 * c + 1]).reinterpretAsFloats();
            l10 = lo0.fma(ya, l10);
            l11 = lo1.fma(ya, l11);
            h10 = hi0.fma(yb, h10);
            h11 = hi1.fma(yb, h11);
        }
        store(l00.add(h00), l01.add(h01), out, o0, valid);
        if (o1 >= 0) store(l10.add(h10), l11.add(h11), out, o1, valid);
    }

    /** Sums each row's lane pair ({@code part0}: rows 0..R/2-1, {@code part1}: the rest) into {@code out[o..o+valid)}. */
    private static void store(FloatVector part0, FloatVector part1, float[] out, int o, int valid) {
        FloatVector s0 = part0.add(part0.rearrange(SWAP_PAIRS)), s1 = part1.add(part1.rearrange(SWAP_PAIRS));
        for (int j = 0; j < valid; j++) out[o + j] = j < R / 2 ? s0.lane(2 * j) : s1.lane(2 * j - R);
    }
}
