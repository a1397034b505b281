package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference quantization to every type with a reference codec. For the GGUF types it
 * produces the same bytes as ggml's {@code quantize_*} (llama-quantize): without importance
 * weights the {@code quantize_row_*_ref} paths, with them the {@code quantize_row_*_impl} paths;
 * Q8_0, INT8_G* and the plain float types ignore importance, as ggml does for Q8_0. Not fast;
 * allocates only per row.
 */
public final class Quantizer {
    private Quantizer() {}

    /**
     * Quantizes one row of {@code n} elements {@code src[srcOffset ..]} into
     * {@code type.bytesFor(n)} bytes at {@code dst[dstOffset ..]}.
     *
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks or the type has
     *     no reference codec
     */
    public static void quantizeRow(TensorType type, float[] src, int srcOffset, int n, MemorySegment dst,
                                   long dstOffset) {
        quantizeRow(type, src, srcOffset, n, null, dst, dstOffset);
    }

    /**
     * As {@link #quantizeRow(TensorType, float[], int, int, MemorySegment, long)} with importance
     * weights (one imatrix row: {@code importance[i]} weighs {@code src[srcOffset + i]}), or
     * {@code null} for the reference path. ggml's weighted paths use statistics of the whole row,
     * so pass whole tensor rows.
     */
    public static void quantizeRow(TensorType type, float[] src, int srcOffset, int n, float[] importance,
                                   MemorySegment dst, long dstOffset) {
        int blocks = Dequantizer.blocks(type, n);
        if (importance != null && importance.length < n) {
            throw new IllegalArgumentException("importance weights: " + importance.length + " values for a row of "
                    + n + " elements");
        }
        BlockCodec.of(type).encode(src, srcOffset, importance, dst, dstOffset, blocks);
    }

    /**
     * Quantizes {@code src} as rows of {@code rowLength} elements (the same importance row, if
     * any, for every row, as an imatrix is per column) into a new heap segment.
     */
    public static MemorySegment quantize(TensorType type, float[] src, int rowLength, float[] importance) {
        if (rowLength <= 0 || src.length % rowLength != 0) {
            throw new IllegalArgumentException(src.length + " values are not whole rows of " + rowLength);
        }
        long rowBytes = type.bytesFor(rowLength);
        int rows = src.length / rowLength;
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(rowBytes * rows)]);
        for (int r = 0; r < rows; r++) {
            quantizeRow(type, src, r * rowLength, rowLength, importance, out, r * rowBytes);
        }
        return out;
    }
}
