package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q8_1 (activation format for Q4_1/Q5_1 dot products): 32 elements in 36 bytes.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   FP16  s        d * sum(qs), so the dot with a min-format block needs no extra pass
 * offset 4   i8[32] qs      y[e] = qs[e] * d
 * </pre>
 */
final class Q8_1Codec implements BlockCodec {
    static final Q8_1Codec INSTANCE = new Q8_1Codec();
    static final int QK = 32;
    static final int BYTES = 36;

    private Q8_1Codec() {}

    @Override
    public TensorType type() { return TensorType.Q8_1; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            for (int e = 0; e < QK; e++) dst[y + e] = Bytes.i8(src, o + 4 + e) * d;
        }
    }

    /** As Q8_0, plus {@code s = d·Σqs} (computed with the unrounded float {@code d}). */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float amax = 0;
            for (int e = 0; e < QK; e++) amax = Math.max(amax, Math.abs(src[x + e]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putHalf(dst, o, d);
            int sum = 0;
            for (int e = 0; e < QK; e++) {
                int q = Rounding.roundHalfAway(src[x + e] * id);
                Bytes.putU8(dst, o + 4 + e, q);
                sum += q;
            }
            Bytes.putHalf(dst, o + 2, sum * d);
        }
    }
}
