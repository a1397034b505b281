package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/** BF16: plain little-endian bfloat16 elements (the upper halves of float32s). */
final class BF16Codec implements BlockCodec {
    static final BF16Codec INSTANCE = new BF16Codec();

    private BF16Codec() {}

    @Override
    public TensorType type() { return TensorType.BF16; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) dst[dstOffset + i] = Bytes.bf16(src, offset + 2L * i);
    }

    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        for (int i = 0; i < blocks; i++) Bytes.putBf16(dst, dstOffset + 2L * i, src[srcOffset + i]);
    }
}
