package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K: 256 elements in 144 bytes, eight sub-blocks of 32 with a 6-bit scale and 6-bit min.
 * <pre>
 * offset 0   FP16  d        super-scale of the scales
 * offset 2   FP16  dmin     super-scale of the mins
 * offset 4   u8[12] scales  packed as in {@link KScales}
 * offset 16  u8[128] qs     4-bit codes: element e = 64c + 32h + l is (qs[32c + l] >> 4h) & 0xF,
 *                           in sub-block j = 2c + h
 *                           y = (d * sc_j) * q - (dmin * m_j)
 * </pre>
 */
final class Q4_KCodec implements BlockCodec {
    static final Q4_KCodec INSTANCE = new Q4_KCodec();
    static final int QK = 256;
    static final int BYTES = 144;

    private Q4_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q4_K; }

    /** Code (0..15) of element {@code e = 64c + 32h + l} of the block at {@code o}. */
    static int code(MemorySegment s, long o, int e) {
        int c = e >> 6, h = (e >> 5) & 1, l = e & 31;
        return (Bytes.u8(s, o + 16 + 32 * c + l) >> (4 * h)) & 0xF;
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
     * Reference ({@code quantize_row_q4_K_ref}): per 32 elements a scale+min fit with weights
     * {@code rms(x) + |x|}; 6-bit scales and mins relative to their maxima; then every element is
     * re-quantized with the stored values. With importance: ggml's {@code quantize_row_q4_K_impl}.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        KQuant.encodeScaleMin(src, srcOffset, importance, dst, dstOffset, blocks, 15, BYTES, -1f, 0.1f, 20);
    }
}
