package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_0: 32 elements in 22 bytes, symmetric 5-bit codes with offset 16.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   u32   qh       little-endian; bit e is the 5th bit of element e
 * offset 6   u8[16] qs      low 4 bits, nibble order as Q4_0
 *                           y = (code - 16) * d
 * </pre>
 */
final class Q5_0Codec implements BlockCodec {
    static final Q5_0Codec INSTANCE = new Q5_0Codec();
    static final int QK = 32;
    static final int BYTES = 22;

    private Q5_0Codec() {}

    @Override
    public TensorType type() { return TensorType.Q5_0; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            int qh = Bytes.i32(src, o + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 6 + j);
                int lo = (q & 0xF) | (((qh >>> j) & 1) << 4);
                int hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                dst[y + j] = (lo - 16) * d;
                dst[y + j + QK / 2] = (hi - 16) * d;
            }
        }
    }
}
