package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K: 256 elements in 210 bytes, sixteen sub-blocks of 16 with a signed 8-bit scale.
 * <pre>
 * offset 0   u8[128] ql     low 4 bits: element e = 128n + 32k + l is
 *                           (ql[64n + 32(k % 2) + l] >> 4(k / 2)) & 0xF
 * offset 128 u8[64] qh      high 2 bits: (qh[32n + l] >> 2k) & 3
 * offset 192 i8[16] scales  signed scale per 16 elements
 * offset 208 FP16  d        super-scale
 *                           q = (low | high << 4) - 32 in -32..31; y = (d * scales[e / 16]) * q
 * </pre>
 */
final class Q6_KCodec implements BlockCodec {
    static final Q6_KCodec INSTANCE = new Q6_KCodec();
    static final int QK = 256;
    static final int BYTES = 210;

    private Q6_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q6_K; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 208);
            for (int e = 0; e < QK; e++) {
                int n = e >> 7, k = (e >> 5) & 3, l = e & 31;
                int low = (Bytes.u8(src, o + 64 * n + 32 * (k & 1) + l) >> (4 * (k >> 1))) & 0xF;
                int high = (Bytes.u8(src, o + 128 + 32 * n + l) >> (2 * k)) & 3;
                int q = (low | (high << 4)) - 32;
                dst[y + e] = d * Bytes.i8(src, o + 192 + e / 16) * q;
            }
        }
    }
}
