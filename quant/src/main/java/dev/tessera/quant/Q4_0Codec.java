package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0: 32 elements in 18 bytes, symmetric 4-bit codes with offset 8.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   u8[16] qs      byte j: element j in the low nibble, element j+16 in the high nibble
 *                           y = (code - 8) * d
 * </pre>
 * The nibble order puts the first half of the block in the low nibbles (not adjacent pairs).
 */
final class Q4_0Codec implements BlockCodec {
    static final Q4_0Codec INSTANCE = new Q4_0Codec();
    static final int QK = 32;
    static final int BYTES = 18;

    private Q4_0Codec() {}

    @Override
    public TensorType type() { return TensorType.Q4_0; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 2 + j);
                dst[y + j] = ((q & 0xF) - 8) * d;
                dst[y + j + QK / 2] = ((q >> 4) - 8) * d;
            }
        }
    }
}
