package dev.tessera.kernels.simd;

import dev.tessera.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Decodes weight rows to floats, block by block: the simple path for embeddings and small vectors. */
final class RowDecoder {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RowDecoder() {}

    /** True if {@link #decode} handles {@code type}. */
    static boolean supports(TensorType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            // Every other type with a scalar reference codec decodes through it (slow but exact).
            default -> type.hasFixedBlocks() && type.isQuantized() && type != TensorType.Q8_1 && type != TensorType.Q8_K;
        };
    }

    /** Decodes {@code n} elements starting at element 0 of the row at {@code byteOffset} into {@code dst[dstOffset..]}. */
    static void decode(TensorType type, MemorySegment src, long byteOffset, float[] dst, int dstOffset, int n) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(LE_FLOAT, byteOffset + 4L * i);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.float16ToFloat(src.get(LE_SHORT, byteOffset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float.intBitsToFloat(src.get(LE_SHORT, byteOffset + 2L * i) << 16);
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long o = byteOffset + 34L * b;
                    float d = Float.float16ToFloat(src.get(LE_SHORT, o));
                    for (int e = 0; e < 32; e++) dst[dstOffset + 32 * b + e] = src.get(ValueLayout.JAVA_BYTE, o + 2 + e) * d;
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long o = byteOffset + 18L * b;
                    float d = Float.float16ToFloat(src.get(LE_SHORT, o));
                    for (int j = 0; j < 16; j++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                        dst[dstOffset + 32 * b + j] = ((q & 0xF) - 8) * d;
                        dst[dstOffset + 32 * b + j + 16] = ((q >> 4) - 8) * d;
                    }
                }
            }
            default -> dev.tessera.quant.Dequantizer.dequantizeRow(type, src, byteOffset, dst, dstOffset, n);
        }
    }
}
