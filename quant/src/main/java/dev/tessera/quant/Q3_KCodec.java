package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Q3_K: 256 elements in 110 bytes, sixteen sub-blocks of 16 with a signed 6-bit scale.
 * <pre>
 * offset 0   u8[32] hmask   high bit of element e: bit (e / 32) of hmask[e % 32]
 * offset 32  u8[64] qs      low 2 bits: element e = 128n + 32j + l is (qs[32n + l] >> 2j) & 3
 * offset 96  u8[12] scales  sixteen 6-bit values L = sc + 32: low nibble of L_j in byte j (j < 8,
 *                           low half) or byte j-8 (j >= 8, high half); high 2 bits of L_j at
 *                           bit 2*(j/4) of byte 8 + j%4
 * offset 108 FP16  d        super-scale
 *                           code q = low - (high bit set ? 0 : 4), in -4..3; y = (d * sc) * q
 * </pre>
 */
final class Q3_KCodec implements BlockCodec {
    static final Q3_KCodec INSTANCE = new Q3_KCodec();
    static final int QK = 256;
    static final int BYTES = 110;

    private Q3_KCodec() {}

    @Override
    public TensorType type() { return TensorType.Q3_K; }

    /** Signed scale (-32..31) of sub-block {@code j} from the 12 bytes at {@code off}. */
    static int scale(MemorySegment s, long off, int j) {
        int low = j < 8 ? Bytes.u8(s, off + j) & 0xF : Bytes.u8(s, off + j - 8) >> 4;
        int high = (Bytes.u8(s, off + 8 + (j & 3)) >> (2 * (j >> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    /** Packs sixteen signed scales (-32..31) into the 12 bytes at {@code off}. */
    static void packScales(int[] sc, MemorySegment s, long off) {
        for (int i = 0; i < 12; i++) Bytes.putU8(s, off + i, 0);
        for (int j = 0; j < 16; j++) {
            int l = sc[j] + 32;
            long lowAt = off + (j & 7);
            Bytes.putU8(s, lowAt, Bytes.u8(s, lowAt) | ((l & 0xF) << (j < 8 ? 0 : 4)));
            long highAt = off + 8 + (j & 3);
            Bytes.putU8(s, highAt, Bytes.u8(s, highAt) | ((l >> 4) << (2 * (j >> 2))));
        }
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 108);
            for (int e = 0; e < QK; e++) {
                int n = e >> 7, j = (e >> 5) & 3, l = e & 31;
                int low = (Bytes.u8(src, o + 32 + 32 * n + l) >> (2 * j)) & 3;
                int high = (Bytes.u8(src, o + l) >> (4 * n + j)) & 1;
                float dl = d * scale(src, o + 96, e / 16);
                dst[y + e] = dl * (low - (high != 0 ? 0 : 4));
            }
        }
    }
}
