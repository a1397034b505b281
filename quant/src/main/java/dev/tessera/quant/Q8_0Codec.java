package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q8_0: 32 elements in 34 bytes.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   i8[32] qs      y[e] = qs[e] * d
 * </pre>
 */
final class Q8_0Codec implements BlockCodec {
    static final Q8_0Codec INSTANCE = new Q8_0Codec();
    static final int QK = 32;
    static final int BYTES = 34;

    private Q8_0Codec() {}

    @Override
    public TensorType type() { return TensorType.Q8_0; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            for (int e = 0; e < QK; e++) dst[y + e] = Bytes.i8(src, o + 2 + e) * d;
        }
    }

    /** {@code d = max|x|/127}, codes {@code roundf(x/d)}; importance is ignored, as in ggml. */
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
            for (int e = 0; e < QK; e++) Bytes.putU8(dst, o + 2 + e, Rounding.roundHalfAway(src[x + e] * id));
        }
    }
}
