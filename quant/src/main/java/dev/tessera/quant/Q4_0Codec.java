package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0: 32 elements in 18 bytes, symmetric 4-bit codes with offset 8.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   u8[16] qs      byte j: element j in the low nibble, element j+16 in the high nibble
 *                           y = (code - 8) * d
 * </pre>
 * The nibble order puts the first half of the block in the low nibbles (not adjacent pairs).
 *
 * <p>The encoder computes {@code x·id + 8.5} as two rounded float operations, not a fused
 * multiply-add: llama.cpp builds ggml-base (where the quantizers live) without FMA flags, and
 * this unfused form reproduces every block of the llama-quantize outputs in the test models.
 */
final class Q4_0Codec implements BlockCodec {
    static final Q4_0Codec INSTANCE = new Q4_0Codec();
    static final int QK = 32;
    static final int BYTES = 18;

    private Q4_0Codec() {}

    @Override
    public TensorType type() { return TensorType.Q4_0; }

    /** Signed code (−8..7) of element {@code e} of the block at {@code o}: the value is code·d. */
    static int code(MemorySegment s, long o, int e) {
        int b = Bytes.u8(s, o + 2 + (e & 15));
        return (e < 16 ? b & 0xF : b >> 4) - 8;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 2 + j);
                dst[y + j] = ((q & 0xF) - 8) * d;
                dst[y + j + QK / 2] = ((q >> 4) - 8) * d;
            }
        }
    }

    /**
     * Reference: {@code d = max/−8} with {@code max} the element of largest magnitude (sign kept),
     * codes {@code min(15, trunc(x/d + 8.5))}. With importance: ggml's weighted symmetric fit.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        if (importance != null) {
            encodeWeighted(src, srcOffset, importance, dst, dstOffset, blocks);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float max = BlockStats.signedAbsMax(src, x, QK);
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putHalf(dst, o, d);
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) (src[x + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[x + j + QK / 2] * id + 8.5f));
                Bytes.putU8(dst, o + 2 + j, q0 | (q1 << 4));
            }
        }
    }

    /** ggml's {@code quantize_row_q4_0_impl}: weights {@code qw·sqrt(σ² + x²)}, σ² over the row. */
    private static void encodeWeighted(float[] src, int srcOffset, float[] qw, MemorySegment dst, long dstOffset,
                                       int blocks) {
        float sigma2 = BlockStats.meanSquare(src, srcOffset, blocks * QK);
        float[] w = new float[QK];
        int[] L = new int[QK];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            BlockStats.importanceWeights(qw, b * QK, src, x, sigma2, w, QK);
            float d = Fitters.makeQxQuants(QK, 8, src, x, L, 0, w, 0);
            Bytes.putHalf(dst, o, d);
            for (int j = 0; j < QK / 2; j++) Bytes.putU8(dst, o + 2 + j, L[j] | (L[j + QK / 2] << 4));
        }
    }
}
