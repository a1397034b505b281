package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_1: 32 elements in 20 bytes, asymmetric 4-bit codes (scale + min).
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   FP16  m        minimum
 * offset 4   u8[16] qs      nibble order as Q4_0; y = code * d + m
 * </pre>
 */
final class Q4_1Codec implements BlockCodec {
    static final Q4_1Codec INSTANCE = new Q4_1Codec();
    static final int QK = 32;
    static final int BYTES = 20;

    private Q4_1Codec() {}

    @Override
    public TensorType type() { return TensorType.Q4_1; }

    /** Code (0..15) of element {@code e} of the block at {@code o}: the value is code·d + m. */
    static int code(MemorySegment s, long o, int e) {
        int b = Bytes.u8(s, o + 4 + (e & 15));
        return e < 16 ? b & 0xF : b >> 4;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            float m = Bytes.half(src, o + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 4 + j);
                dst[y + j] = (q & 0xF) * d + m;
                dst[y + j + QK / 2] = (q >> 4) * d + m;
            }
        }
    }

    /**
     * Reference: {@code d = (max − min)/15}, {@code m = min}, codes {@code min(15, trunc((x − min)/d + 0.5))}.
     * With importance: ggml's weighted scale+min fit.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        if (importance != null) {
            encodeWeighted(src, srcOffset, importance, dst, dstOffset, blocks);
            return;
        }
        float[] range = new float[2];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            BlockStats.minMax(src, x, QK, range);
            float min = range[0], max = range[1];
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putHalf(dst, o, d);
            Bytes.putHalf(dst, o + 2, min);
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) ((src[x + j] - min) * id + 0.5f));
                int q1 = Math.min(15, (int) ((src[x + j + QK / 2] - min) * id + 0.5f));
                Bytes.putU8(dst, o + 4 + j, q0 | (q1 << 4));
            }
        }
    }

    /** ggml's {@code quantize_row_q4_1_impl}: weights {@code qw·sqrt(σ² + x²)}, σ² over the row. */
    private static void encodeWeighted(float[] src, int srcOffset, float[] qw, MemorySegment dst, long dstOffset,
                                       int blocks) {
        float sigma2 = BlockStats.meanSquare(src, srcOffset, blocks * QK);
        float[] w = new float[QK];
        int[] L = new int[QK];
        int[] laux = new int[QK];
        float[] min = new float[1];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            BlockStats.importanceWeights(qw, b * QK, src, x, sigma2, w, QK);
            float d = Fitters.makeQkx3Quants(QK, 15, src, x, w, 0, L, 0, min, laux, -0.9f, 0.05f, 36, false);
            Bytes.putHalf(dst, o, d);
            Bytes.putHalf(dst, o + 2, -min[0]);
            for (int j = 0; j < QK / 2; j++) Bytes.putU8(dst, o + 4 + j, L[j] | (L[j + QK / 2] << 4));
        }
    }
}
