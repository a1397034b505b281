package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/** F32: plain little-endian float32 elements (a "block" is one element). */
final class F32Codec implements BlockCodec {
    static final F32Codec INSTANCE = new F32Codec();

    private F32Codec() {}

    @Override
    public TensorType type() { return TensorType.F32; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) dst[dstOffset + i] = Bytes.f32(src, offset + 4L * i);
    }

    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) Bytes.putF32(dst, dstOffset + 4L * i, src[srcOffset + i]);
    }
}
