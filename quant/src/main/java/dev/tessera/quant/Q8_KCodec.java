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

    /**
     * {@code iscale = −127/max} with {@code max} the element of largest magnitude (sign kept),
     * codes {@code min(127, nearest_int(iscale·x))}, {@code d = 1/iscale}, group sums of 16.
     * An all-zero block is all zero bytes (ggml leaves its bsums unwritten).
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float max = 0, amax = 0;
            for (int e = 0; e < QK; e++) {
                float a = Math.abs(src[x + e]);
                if (a > amax) {
                    amax = a;
                    max = src[x + e];
                }
            }
            if (amax == 0) {
                dst.asSlice(o, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int g = 0; g < QK / 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    int q = Math.min(127, Rounding.nearestInt(iscale * src[x + 16 * g + i]));
                    Bytes.putU8(dst, o + 4 + 16 * g + i, q);
                    sum += q;
                }
                Bytes.putI16(dst, o + 260 + 2L * g, sum);
            }
            Bytes.putF32(dst, o, 1 / iscale);
        }
    }
}
