package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_0: 32 elements in 22 bytes, symmetric 5-bit codes with offset 16.
 * <pre>
 * offset 0   FP16  d        scale
 * offset 2   u32   qh       little-endian; bit e is the 5th bit of element e
 * offset 6   u8[16] qs      low 4 bits, nibble order as Q4_0
 *                           y = (code - 16) * d
 * </pre>
 */
final class Q5_0Codec implements BlockCodec {
    static final Q5_0Codec INSTANCE = new Q5_0Codec();
    static final int QK = 32;
    static final int BYTES = 22;

    private Q5_0Codec() {}

    @Override
    public TensorType type() { return TensorType.Q5_0; }

    /** Signed code (−16..15) of element {@code e} of the block at {@code o}: the value is code·d. */
    static int code(MemorySegment s, long o, int e) {
        int b = Bytes.u8(s, o + 6 + (e & 15));
        int low = e < 16 ? b & 0xF : b >> 4;
        return (low | (((Bytes.i32(s, o + 2) >>> e) & 1) << 4)) - 16;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            int qh = Bytes.i32(src, o + 2);
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(src, o + 6 + j);
                int lo = (q & 0xF) | (((qh >>> j) & 1) << 4);
                int hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                dst[y + j] = (lo - 16) * d;
                dst[y + j + QK / 2] = (hi - 16) * d;
            }
        }
    }

    /**
     * Reference: {@code d = max/−16} ({@code max} of largest magnitude, sign kept), codes
     * {@code min(31, trunc(x/d + 16.5))}. With importance: ggml's weighted symmetric fit.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        if (importance != null) {
            encodeWeighted(src, srcOffset, importance, dst, dstOffset, blocks);
            return;
        }
        int[] q = new int[QK];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float max = BlockStats.signedAbsMax(src, x, QK);
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Bytes.putHalf(dst, o, d);
            for (int e = 0; e < QK; e++) q[e] = Math.min(31, (int) (src[x + e] * id + 16.5f));
            pack(q, dst, o + 2);
        }
    }

    /** ggml's {@code quantize_row_q5_0_impl}: weights {@code qw·sqrt(σ² + x²)}, σ² over the row. */
    private static void encodeWeighted(float[] src, int srcOffset, float[] qw, MemorySegment dst, long dstOffset,
                                       int blocks) {
        float sigma2 = BlockStats.meanSquare(src, srcOffset, blocks * QK);
        float[] w = new float[QK];
        int[] L = new int[QK];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            BlockStats.importanceWeights(qw, b * QK, src, x, sigma2, w, QK);
            float d = Fitters.makeQxQuants(QK, 16, src, x, L, 0, w, 0);
            Bytes.putHalf(dst, o, d);
            pack(L, dst, o + 2);
        }
    }

    /** Writes 32 five-bit codes as {@code qh} (4 bytes) followed by {@code qs} (16 bytes) at {@code at}. */
    static void pack(int[] q, MemorySegment dst, long at) {
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            Bytes.putU8(dst, at + 4 + j, (q[j] & 0xF) | ((q[j + QK / 2] & 0xF) << 4));
            qh |= ((q[j] & 0x10) >> 4) << j;
            qh |= ((q[j + QK / 2] & 0x10) >> 4) << (j + QK / 2);
        }
        Bytes.putI32(dst, at, qh);
    }
}
