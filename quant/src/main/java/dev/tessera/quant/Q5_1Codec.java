package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_1: 32 elements in 24 bytes, asymmetric 5-bit codes (scale + min).
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   FP16  m        minimum
 * offset 4   u32   qh       little-endian; bit e is the 5th bit of element e
 * offset 8   u8[16] qs      low 4 bits, nibble order as Q4_0
 *                           y = code * d + m
 * </pre>
 */
final class Q5_1Codec implements BlockCodec {
    static final Q5_1Codec INSTANCE = new Q5_1Codec();
    static final int QK = 32;
    static final int BYTES = 24;

    private Q5_1Codec() {}

    @Override
    public TensorType type() { return TensorType.Q5_1; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            float m = Bytes.half(src, o + 2);
            int qh = Bytes.i32(src, o + 4);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 8 + j);
                int lo = (q & 0xF) | (((qh >>> j) & 1) << 4);
                int hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                dst[y + j] = lo * d + m;
                dst[y + j + QK / 2] = hi * d + m;
            }
        }
    }
}
