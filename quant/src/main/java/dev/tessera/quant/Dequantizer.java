package dev.tessera.quant;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference dequantization of every GGUF weight and activation type (bit-identical to
 * ggml's {@code dequantize_row_*}) and of Tessera's INT8/INT4 group types. Plain and slow on purpose; it is what fast kernels are
 * checked against.
 */
public final class Dequantizer {
    private Dequantizer() {}

    /**
     * Decodes {@code n} elements of {@code type} stored at {@code src[byteOffset..]} into
     * {@code dst[dstOffset .. dstOffset + n)}.
     *
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks or the type has
     *     no reference codec
     */
    public static void dequantizeRow(TensorType type, MemorySegment src, long byteOffset, float[] dst,
                                     int dstOffset, int n) {
        int blocks = blocks(type, n);
        BlockCodec.of(type).decode(src, byteOffset, dst, dstOffset, blocks);
    }

    /** All elements of {@code t}, rows back to back. */
    public static float[] dequantize(Tensor t) {
        long size = t.shape().size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + t.name() + ": " + size + " elements do not fit one array");
        }
        float[] out = new float[(int) size];
        dequantizeRow(t.type(), t.data(), 0, out, 0, (int) size);
        return out;
    }

    static int blocks(TensorType type, int n) {
        if (n < 0 || n % type.blockLength() != 0) {
            throw new IllegalArgumentException(n + " elements is not a whole number of " + type + " blocks of "
                    + type.blockLength());
        }
        return n / type.blockLength();
    }
}
