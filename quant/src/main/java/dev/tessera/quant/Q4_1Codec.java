package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_1: 32 elements in 20 bytes, asymmetric 4-bit codes (scale + min).
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   FP16  m        minimum
 * offset 4   u8[16] qs      nibble order as Q4_0; y = code * d + m
 * </pre>
 */
final class Q4_1Codec implements BlockCodec {
    static final Q4_1Codec INSTANCE = new Q4_1Codec();
    static final int QK = 32;
    static final int BYTES = 20;

    private Q4_1Codec() {}

    @Override
    public TensorType type() { return TensorType.Q4_1; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            float m = Bytes.half(src, o + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 4 + j);
                dst[y + j] = (q & 0xF) * d + m;
                dst[y + j + QK / 2] = (q >> 4) * d + m;
            }
        }
    }
}
