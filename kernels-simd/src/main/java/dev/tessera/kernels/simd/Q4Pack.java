package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Fills the interleaved layout of {@link Q4Weight} from a tensor's (usually mapped) bytes, one row
 * group at a time and the groups spread over the pool. Per block, the group's 4-byte code words are
 * read straight from the segment into a small {@code [word][row]} table; one vector then holds word
 * {@code k} of every row, and two nibble shuffles turn it into two finished chunks: with the word's
 * bytes {@code [a0 a1 b0 b1]}, chunk bytes {@code (a_t & 15) | (b_t & 15) << 4} come from the low
 * nibbles and {@code (a_t >> 4) | (b_t & 0xF0)} from the high ones. Q4_0/Q4_1 blocks hold 4 words
 * (low nibbles: elements 0..15, high: 16..31); a Q4_K sub-block pair shares 8 words (low nibbles: the
 * first sub-block, high: the second). The output is identical, byte for byte, to the element-wise
 * packing of {@code ScalarPack} in the tests.
 */
final class Q4Pack {
    private static final int R = Q4Weight.R;
    private static final int CHUNK = Lanes.SHORTS;

    private Q4Pack() {}

    static void fill(Tensor t, Parallel parallel, byte[] qs, short[] dh, float[] scales, float[] offsets,
                     byte[] kScales, byte[] kMins, short[] kd, short[] kdMin) {
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + R - 1) / R;
        long rowBytes = t.rowBytes();
        MemorySegment src = t.data();
        parallel.split(groups, 1, (worker, g0, g1) -> {
            int[] words = new int[32 * R];
            byte[] packedScales = new byte[12];
            for (int g = g0; g < g1; g++) {
                int valid = Math.min(R, rows - g * R);
                if (valid < R) Arrays.fill(words, 0); // rows past the end pack as zeros
                long row0 = (long) g * R * rowBytes;
                switch (type) {
                    case Q4_0 -> legacyGroup(src, row0, rowBytes, 18, 2, g, blocks, valid, words, qs, dh, null, null);
                    case Q4_1 -> legacyGroup(src, row0, rowBytes, 20, 4, g, blocks, valid, words, qs, null, scales, offsets);
                    case Q4_K -> kGroup(src, row0, rowBytes, g, blocks, valid, words, packedScales, qs, kScales, kMins, kd, kdMin);
                    default -> throw new IllegalArgumentException("tensor " + t.name() + ": type " + type + " has no 4-bit packing");
                }
            }
        });
    }

    /** Q4_0 ({@code dh} given: raw FP16 scales) or Q4_1 (float scale and offset) blocks of one group. */
    private static void legacyGroup(MemorySegment src, long row0, long rowBytes, int blockBytes, int codesAt, int g, int blocks,
                                    int valid, int[] words, byte[] qs, short[] dh, float[] scales, float[] offsets) {
        for (int b = 0; b < blocks; b++) {
            int slot = (g * blocks + b) * R;
            for (int j = 0; j < valid; j++) {
                long o = row0 + j * rowBytes + (long) blockBytes * b;
                if (dh != null) {
                    dh[slot + j] = src.get(LittleEndian.SHORT, o);
                } else {
                    scales[slot + j] = Float.float16ToFloat(src.get(LittleEndian.SHORT, o));
                    offsets[slot + j] = Float.float16ToFloat(src.get(LittleEndian.SHORT, o + 2));
                }
                for (int k = 0; k < 4; k++) words[k * R + j] = src.get(LittleEndian.INT, o + codesAt + 4 * k);
            }
            int base = slot * 16;
            for (int k = 0; k < 4; k++) {
                IntVector w = IntVector.fromArray(Lanes.I, words, k * R);
                store(lowNibbles(w), qs, base + k * CHUNK);
                store(highNibbles(w), qs, base + (k + 4) * CHUNK);
            }
        }
    }

    /**
     * Q4_K super-blocks of one group ({@code y = d·sc·q − dmin·m} per sub-block): the 6-bit scales and
     * mins as bytes per sub-block, the FP16 {@code d, dmin} per super-block, all per row.
     */
    private static void kGroup(MemorySegment src, long row0, long rowBytes, int g, int blocks, int valid, int[] words,
                               byte[] packedScales, byte[] qs, byte[] kScales, byte[] kMins, short[] kd, short[] kdMin) {
        for (int sb = 0; sb < blocks / 8; sb++) {
            int slot0 = (g * blocks + 8 * sb) * R, superSlot = (g * (blocks / 8) + sb) * R;
            for (int j = 0; j < valid; j++) {
                long o = row0 + j * rowBytes + 144L * sb;
                kd[superSlot + j] = src.get(LittleEndian.SHORT, o);
                kdMin[superSlot + j] = src.get(LittleEndian.SHORT, o + 2);
                MemorySegment.copy(src, java.lang.foreign.ValueLayout.JAVA_BYTE, o + 4, packedScales, 0, 12);
                for (int sub = 0; sub < 8; sub++) {
                    kScales[slot0 + sub * R + j] = (byte) SubBlocks.kScale(packedScales, 0, sub);
                    kMins[slot0 + sub * R + j] = (byte) SubBlocks.kMin(packedScales, 0, sub);
                }
                for (int w = 0; w < 32; w++) words[w * R + j] = src.get(LittleEndian.INT, o + 16 + 4 * w);
            }
            for (int c = 0; c < 4; c++) {
                int base0 = (slot0 + 2 * c * R) * 16, base1 = base0 + 8 * CHUNK;
                for (int k = 0; k < 8; k++) {
                    IntVector w = IntVector.fromArray(Lanes.I, words, (8 * c + k) * R);
                    store(lowNibbles(w), qs, base0 + k * CHUNK);
                    store(highNibbles(w), qs, base1 + k * CHUNK);
                }
            }
        }
    }

    /** Per 16-bit half of a word {@code [a0 a1 b0 b1]}: {@code (a_t & 15) | (b_t & 15) << 4}. */
    private static IntVector lowNibbles(IntVector w) {
        return w.and(0x0F0F).or(w.lanewise(VectorOperators.LSHR, 12).and(0xF0F0));
    }

    /** {@code (a_t >> 4) | (b_t & 0xF0)}. */
    private static IntVector highNibbles(IntVector w) {
        return w.lanewise(VectorOperators.LSHR, 4).and(0x0F0F).or(w.lanewise(VectorOperators.LSHR, 16).and(0xF0F0));
    }

    /** The low 16 bits of each lane, one lane per row: a whole chunk. */
    private static void store(IntVector v, byte[] dst, int at) {
        ((ShortVector) v.convertShape(VectorOperators.I2S, Lanes.S_HALF, 0)).reinterpretAsBytes().intoArray(dst, at);
    }
}
