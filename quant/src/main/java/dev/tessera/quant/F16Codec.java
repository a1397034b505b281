package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/** F16: plain little-endian IEEE binary16 elements. */
final class F16Codec implements BlockCodec {
    static final F16Codec INSTANCE = new F16Codec();

    private F16Codec() {}

    @Override
    public TensorType type() { return TensorType.F16; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) dst[dstOffset + i] = Bytes.half(src, offset + 2L * i);
    }

    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) Bytes.putHalf(dst, dstOffset + 2L * i, src[srcOffset + i]);
    }
}
