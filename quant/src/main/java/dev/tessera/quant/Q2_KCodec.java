package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q2_K: 256 elements in 84 bytes, sixteen sub-blocks of 16 with a 4-bit scale and 4-bit min.
 * <pre>
 * offset 0   u8[16] scales  byte j: scale of sub-block j (low nibble), min (high nibble)
 * offset 16  u8[64] qs      2-bit codes: element e = 128n + 32j + l is (qs[32n + l] >> 2j) & 3
 * offset 80  FP16  d        super-scale of the scales
 * offset 82  FP16  dmin     super-scale of the mins
 *                           y = (d * sc) * q - (dmin * m)
 * </pre>
 */
final class Q2_KCodec implements BlockCodec {
    static final Q2_KCodec INSTANCE = new Q2_KCodec();
    static final int QK = 256;
    static final int BYTES = 84;

    private Q2_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q2_K; }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 80);
            float dmin = Bytes.half(src, o + 82);
            for (int e = 0; e < QK; e++) {
                int n = e >> 7, j = (e >> 5) & 3, l = e & 31;
                int q = (Bytes.u8(src, o + 16 + 32 * n + l) >> (2 * j)) & 3;
                int s = Bytes.u8(src, o + e / 16);
                float dl = d * (s & 0xF);
                float ml = dmin * (s >> 4);
                dst[y + e] = dl * q - ml;
            }
        }
    }
}
