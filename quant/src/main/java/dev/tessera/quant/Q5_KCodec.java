package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_K: 256 elements in 176 bytes, eight sub-blocks of 32 with a 6-bit scale and 6-bit min.
 * <pre>
 * offset 0   FP16  d        super-scale of the scales
 * offset 2   FP16  dmin     super-scale of the mins
 * offset 4   u8[12] scales  packed as in {@link KScales}
 * offset 16  u8[32] qh      5th bit of element e = 64c + 32h + l: bit (2c + h) of qh[l]
 * offset 48  u8[128] qs     low 4 bits: (qs[32c + l] >> 4h) & 0xF, sub-block j = 2c + h
 *                           y = (d * sc_j) * q - (dmin * m_j), q in 0..31
 * </pre>
 */
final class Q5_KCodec implements BlockCodec {
    static final Q5_KCodec INSTANCE = new Q5_KCodec();
    static final int QK = 256;
    static final int BYTES = 176;

    private Q5_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q5_K; }

    /** Code (0..31) of element {@code e = 64c + 32h + l} of the block at {@code o}. */
    static int code(MemorySegment s, long o, int e) {
        int c = e >> 6, h = (e >> 5) & 1, l = e & 31;
        int low = (Bytes.u8(s, o + 48 + 32 * c + l) >> (4 * h)) & 0xF;
        int high = (Bytes.u8(s, o + 16 + l) >> (e >> 5)) & 1;
        return low | (high << 4);
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o);
            float dmin = Bytes.half(src, o + 2);
            for (int j = 0; j < 8; j++) {
                float dl = d * KScales.scale(src, o + 4, j);
                float ml = dmin * KScales.min(src, o + 4, j);
                for (int e = 32 * j; e < 32 * j + 32; e++) dst[y + e] = dl * code(src, o, e) - ml;
            }
        }
    }

    /**
     * Reference ({@code quantize_row_q5_K_ref}): as Q4_K with 5-bit codes and a shorter scale
     * search. With importance: ggml's {@code quantize_row_q5_K_impl}.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        KQuant.encodeScaleMin(src, srcOffset, importance, dst, dstOffset, blocks, 31, BYTES, -0.5f, 0.1f, 15);
    }
}
