package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Tessera's symmetric int8 with groups of g = 32, 64 or 128 (INT8_G32/G64/G128,
 * quant-formats.md section 5): g elements in 2 + g bytes.
 * <pre>
 * offset 0   FP16  s        scale = max|x| / 127
 * offset 2   i8[g] q        y[e] = q[e] * s, q in -127..127 (-128 is never written)
 * </pre>
 * INT8_G32 is byte-for-byte the same block as Q8_0, with the same encoder.
 */
final class Int8GroupCodec implements BlockCodec {
    static final Int8GroupCodec G32 = new Int8GroupCodec(TensorType.INT8_G32);
    static final Int8GroupCodec G64 = new Int8GroupCodec(TensorType.INT8_G64);
    static final Int8GroupCodec G128 = new Int8GroupCodec(TensorType.INT8_G128);

    private final TensorType type;
    private final int g;

    private Int8GroupCodec(TensorType type) {
        this.type = type;
        this.g = type.blockLength();
    }

    @Override
    public TensorType type() { return type; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * (2 + g);
            int y = dstOffset + b * g;
            float s = Bytes.half(src, o);
            for (int e = 0; e < g; e++) dst[y + e] = Bytes.i8(src, o + 2 + e) * s;
        }
    }

    /** {@code s = max|x|/127}, {@code q = roundf(x/s)} (ties away from zero); importance is ignored. */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * (2 + g);
            int x = srcOffset + b * g;
            float amax = 0;
            for (int e = 0; e < g; e++) amax = Math.max(amax, Math.abs(src[x + e]));
            float s = amax / 127;
            float id = s != 0 ? 1.0f / s : 0.0f;
            Bytes.putHalf(dst, o, s);
            for (int e = 0; e < g; e++) {
                Bytes.putU8(dst, o + 2 + e, Fitters.clamp(Rounding.roundHalfAway(src[x + e] * id), -127, 127));
            }
        }
    }
}
