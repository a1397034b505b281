package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q8_K (activation format for K-quant dot products): 256 elements in 292 bytes.
 * <pre>
 * offset 0   f32   d        scale (a full float, unlike the other formats)
 * offset 4   i8[256] qs     y[e] = d * qs[e]
 * offset 260 i16[16] bsums  sum of qs over each group of 16, for the min terms of K-quant dots
 * </pre>
 */
final class Q8_KCodec implements BlockCodec {
    static final Q8_KCodec INSTANCE = new Q8_KCodec();
    static final int QK = 256;
    static final int BYTES = 292;

    private Q8_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q8_K; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.f32(src, o);
            for (int e = 0; e < QK; e++) dst[y + e] = d * Bytes.i8(src, o + 4 + e);
        }
    }
}
