package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Fills the layout of {@link Int8Weight} from a tensor's (usually mapped) bytes, rows spread over
 * the pool. Q8_0 and Q6_K, the types of common files, are read straight from the segment 16 codes
 * at a time with vector loads (Q8_0's codes are copied; Q6_K's are assembled from their low-nibble
 * and 2-bit high planes); the rarer types go element by element through {@link SubBlocks#split}.
 */
final class Int8Pack {
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

    private Int8Pack() {}

    static void fill(Tensor t, Parallel parallel, byte[] codes, float[] scales, float[] offsets, int rowCodes, int halves) {
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        long rowBytes = t.rowBytes();
        MemorySegment src = t.data();
        parallel.split(rows, 1, (worker, start, end) -> {
            switch (type) {
                case Q8_0 -> {
                    for (int r = start; r < end; r++) q8Row(src, r * rowBytes, blocks, codes, r * rowCodes, scales, r * halves);
                }
                case Q6_K -> {
                    for (int r = start; r < end; r++) q6Row(src, r * rowBytes, blocks, codes, r * rowCodes, scales, r * halves);
                }
                default -> splitRows(t, start, end, blocks, codes, rowCodes, scales, offsets, halves);
            }
        });
    }

    /** Q8_0: FP16 scale, then 32 signed codes, per block. */
    private static void q8Row(MemorySegment src, long o, int blocks, byte[] codes, int at, float[] scales, int s0) {
        for (int b = 0; b < blocks; b++, o += 34) {
            float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, o));
            ByteVector.fromMemorySegment(B16, src, o + 2, ByteOrder.LITTLE_ENDIAN).intoArray(codes, at + Q8Rows.index(32 * b));
            ByteVector.fromMemorySegment(B16, src, o + 18, ByteOrder.LITTLE_ENDIAN).intoArray(codes, at + Q8Rows.index(32 * b + 16));
            scales[s0 + Q8Rows.halfIndex(b, 0)] = d;
            scales[s0 + Q8Rows.halfIndex(b, 1)] = d;
        }
    }

    /**
     * Q6_K super-blocks of 256: low nibbles {@code ql[128]}, 2-bit highs {@code qh[64]}, 16 signed
     * scales, FP16 {@code d}. Sub-block {@code k} takes nibble {@code k/2 % 2} of {@code ql[64·(k/4) +
     * 32·(k % 2) ..]} and bits {@code 2·(k % 4)} of {@code qh[32·(k/4) ..]}; code = that 6-bit value − 32.
     */
    private static void q6Row(MemorySegment src, long row, int blocks, byte[] codes, int at, float[] scales, int s0) {
        for (int sb = 0; sb < blocks / 8; sb++) {
            long o = row + 210L * sb;
            float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, o + 208));
            for (int k = 0; k < 8; k++) {
                int b = 8 * sb + k, n = k / 4, kk = k % 4;
                for (int l = 0; l < 32; l += 16) {
                    ByteVector low = ByteVector.fromMemorySegment(B16, src, o + 64 * n + 32 * (kk % 2) + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector high = ByteVector.fromMemorySegment(B16, src, o + 128 + 32 * n + l, ByteOrder.LITTLE_ENDIAN);
                    low.lanewise(VectorOperators.LSHR, 4 * (kk / 2)).and((byte) 0xF)
                            .or(high.lanewise(VectorOperators.LSHR, 2 * kk).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((byte) 32)
                            .intoArray(codes, at + Q8Rows.index(32 * b + l));
                }
                scales[s0 + Q8Rows.halfIndex(b, 0)] = d * src.get(ValueLayout.JAVA_BYTE, o + 192 + 2 * k);
                scales[s0 + Q8Rows.halfIndex(b, 1)] = d * src.get(ValueLayout.JAVA_BYTE, o + 192 + 2 * k + 1);
            }
        }
    }

    /** Any other block type, through a copy of each row and {@link SubBlocks#split}. */
    private static void splitRows(Tensor t, int start, int end, int blocks, byte[] codes, int rowCodes, float[] scales,
                                  float[] offsets, int halves) {
        int rowBytes = Math.toIntExact(t.rowBytes());
        byte[] row = new byte[rowBytes], c = new byte[32];
        float[] sc = new float[2], off = new float[2];
        for (int r = start; r < end; r++) {
            MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
            int at = r * rowCodes;
            for (int b = 0; b < blocks; b++) {
                SubBlocks.split(t.type(), row, b, c, sc, off);
                System.arraycopy(c, 0, codes, at + Q8Rows.index(32 * b), 16);
                System.arraycopy(c, 16, codes, at + Q8Rows.index(32 * b + 16), 16);
                for (int h = 0; h < 2; h++) {
                    scales[r * halves + Q8Rows.halfIndex(b, h)] = sc[h];
                    if (offsets != null) offsets[r * halves + Q8Rows.halfIndex(b, h)] = off[h];
                }
            }
        }
    }
}
