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
 * Q8_0 weights repacked at load into groups of {@link #R} rows interleaved as {@link Q4Weight}
 * does: for row group {@code G}, block {@code b} and chunk {@code k < 16}, {@link #CHUNK} bytes
 * hold, at byte {@code 2j + t}, row {@code j}'s code of element {@code 2k + t}; the FP16 block
 * scales stay FP16. So the kernel streams 34 bytes per 32 weights, as the file stores them (the
 * generic {@link Int8Weight} layout reads 40).
 *
 * <p>Per chunk: the codes widen to 16 bits and multiply one broadcast activation pair
 * ({@link Q8Rows#adjacent}); each row's two products ({@code |w·x| ≤ 128·127}, so their sum fits
 * 16 bits) are summed into one 32-bit lane and accumulated over the block. Per block and row group:
 * one conversion and one FMA with the vector of the group's row scales; the float lanes are the
 * rows' results.
 */
final class Q8Weight implements PackedWeight, FloatGemm.RowDecoder {
    /** Rows per interleaved group. */
    static final int R = Lanes.SHORTS / 2;
    private static final int CHUNK = Lanes.SHORTS;
    private static final int BLOCK_BYTES = 16 * CHUNK;

    final int rows;
    final int blocks;
    final byte[] qs;
    /** FP16 scale per (group, block, row). */
    final short[] dh;

    private Q8Weight(int rows, int blocks, byte[] qs, short[] dh) {
        this.rows = rows;
        this.blocks = blocks;
        this.qs = qs;
        this.dh = dh;
    }

    static Q8Weight pack(Tensor t, Parallel parallel) {
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + R - 1) / R;
        long slots = (long) groups * blocks * R;
        if (slots * 32 > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensor " + t.name() + ": too large to repack");
        byte[] qs = new byte[(int) slots * 32];
        short[] dh = new short[(int) slots + Lanes.FLOATS];
        int rowBytes = Math.toIntExact(t.rowBytes());
        parallel.split(rows, 1, (worker, start, end) -> {
            byte[] row = new byte[rowBytes];
            for (int r = start; r < end; r++) {
                MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
                int g = r / R, j = r % R;
                for (int b = 0; b < blocks; b++) {
                    int src = 34 * b, slot = (g * blocks + b) * R + j, base = (g * blocks + b) * BLOCK_BYTES + 2 * j;
                    dh[slot] = (short) ((row[src] & 0xFF) | row[src + 1] << 8);
                    for (int k = 0; k < 16; k++) {
                        qs[base + k * CHUNK] = row[src + 2 + 2 * k];
                        qs[base + k * CHUNK + 1] = row[src + 3 + 2 * k];
                    }
                }
            }
        });
        return new Q8Weight(rows, blocks, qs, dh);
    }

    @Override
    public TensorType activations() { return TensorType.Q8_0; }

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
        if (valid == R) acc.intoArray(out, o);
        else acc.intoArray(out, o, Lanes.F.indexInRange(0, valid));
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
            float d = Float.float16ToFloat(dh[(g * blocks + b) * R + j]);
            int base = (g * blocks + b) * BLOCK_BYTES + 2 * j, at = offset + 32 * b;
            for (int k = 0; k < 16; k++) {
                dst[at + 2 * k] = d * qs[base + k * CHUNK];
                dst[at + 2 * k + 1] = d * qs[base + k * CHUNK + 1];
            }
        }
    }
}
