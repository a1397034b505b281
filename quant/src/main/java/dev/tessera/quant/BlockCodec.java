package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * The scalar reference codec of one block type: the ground truth the fast kernels are tested
 * against. Each implementation documents its block layout (quant-formats.md sections 3 and 5).
 * The GGUF types decode exactly as ggml's {@code dequantize_row_*} does and encode to the bytes
 * ggml's {@code quantize_*} writes, operation by operation; Tessera's own INT8/INT4 group types
 * follow the same rules as their 32-element GGUF counterparts.
 */
sealed interface BlockCodec
        permits F32Codec, F16Codec, BF16Codec, Q4_0Codec, Q4_1Codec, Q5_0Codec, Q5_1Codec, Q8_0Codec,
                Q8_1Codec, Q2_KCodec, Q3_KCodec, Q4_KCodec, Q5_KCodec, Q6_KCodec, Q8_KCodec, Int8GroupCodec,
                Int4GroupCodec {

    TensorType type();

    /** Decodes {@code blocks} consecutive blocks starting at byte {@code offset} of {@code src}. */
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks);

    /**
     * Encodes one row of {@code blocks} blocks from {@code src[srcOffset ..]} into {@code dst} at
     * {@code dstOffset}. {@code importance} is null (ggml's reference path, what llama-quantize
     * does without an imatrix) or holds one weight per row element, indexed from 0 (an imatrix
     * row; the row-wide statistics of the weighted paths make the row boundary significant).
     */
    void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks);

    /** The codec for {@code type}. */
    static BlockCodec of(TensorType type) {
        return switch (type) {
            case F32 -> F32Codec.INSTANCE;
            case F16 -> F16Codec.INSTANCE;
            case BF16 -> BF16Codec.INSTANCE;
            case Q4_0 -> Q4_0Codec.INSTANCE;
            case Q4_1 -> Q4_1Codec.INSTANCE;
            case Q5_0 -> Q5_0Codec.INSTANCE;
            case Q5_1 -> Q5_1Codec.INSTANCE;
            case Q8_0 -> Q8_0Codec.INSTANCE;
            case Q8_1 -> Q8_1Codec.INSTANCE;
            case Q2_K -> Q2_KCodec.INSTANCE;
            case Q3_K -> Q3_KCodec.INSTANCE;
            case Q4_K -> Q4_KCodec.INSTANCE;
            case Q5_K -> Q5_KCodec.INSTANCE;
            case Q6_K -> Q6_KCodec.INSTANCE;
            case Q8_K -> Q8_KCodec.INSTANCE;
            case INT8_G32 -> Int8GroupCodec.G32;
            case INT8_G64 -> Int8GroupCodec.G64;
            case INT8_G128 -> Int8GroupCodec.G128;
            case INT4_G32 -> Int4GroupCodec.G32;
            case INT4_G64 -> Int4GroupCodec.G64;
            case INT4_G128 -> Int4GroupCodec.G128;
            case INT4A_G32 -> Int4GroupCodec.A_G32;
            case INT4A_G64 -> Int4GroupCodec.A_G64;
            case INT4A_G128 -> Int4GroupCodec.A_G128;
            default -> throw new IllegalArgumentException("tensor type " + type + ": no reference codec"
                    + " (expected F32, F16, BF16, Q4_0..Q8_1, Q2_K..Q8_K, INT8_G* or INT4(A)_G*)");
        };
    }
}
