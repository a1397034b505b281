package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

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

    /** Signed code (−4..3) of element {@code e = 128n + 32j + l} of the block at {@code o}. */
    static int code(MemorySegment s, long o, int e) {
        int n = e >> 7, j = (e >> 5) & 3, l = e & 31;
        int low = (Bytes.u8(s, o + 32 + 32 * n + l) >> (2 * j)) & 3;
        int high = (Bytes.u8(s, o + l) >> (4 * n + j)) & 1;
        return low - (high != 0 ? 0 : 4);
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 108);
            for (int e = 0; e < QK; e++) {
                float dl = d * scale(src, o + 96, e / 16);
                dst[y + e] = dl * code(src, o, e);
            }
        }
    }

    /**
     * Reference ({@code quantize_row_q3_K_ref}): per 16 elements a symmetric fit with iterative
     * re-rounding; signed 6-bit scales relative to the scale of largest magnitude; then every
     * element is re-quantized with the stored scales. With importance: ggml's
     * {@code quantize_row_q3_K_impl} (weighted fits, super-scale fitted too).
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        int[] L = new int[QK];
        int[] sc = new int[16];
        int[] ls = new int[16];
        float[] scales = new float[16];
        float[] w = new float[16];
        float[] sw = new float[16];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float d;
            if (importance == null) {
                float maxScale = 0, amax = 0;
                for (int j = 0; j < 16; j++) {
                    scales[j] = Fitters.makeQ3Quants(16, 4, src, x + 16 * j, L, 16 * j);
                    float a = Math.abs(scales[j]);
                    if (a > amax) {
                        amax = a;
                        maxScale = scales[j];
                    }
                }
                if (maxScale != 0) {
                    float iscale = -32f / maxScale;
                    for (int j = 0; j < 16; j++) {
                        int l = (byte) Rounding.nearestInt(iscale * scales[j]); // int8_t in ggml
                        sc[j] = Fitters.clamp(l, -32, 31);
                    }
                    d = 1 / iscale;
                } else {
                    Arrays.fill(sc, -32); // all-zero bytes
                    d = 0f;
                }
            } else {
                float sumX2 = 0;
                for (int j = 0; j < QK; j++) sumX2 += src[x + j] * src[x + j];
                float sigma2 = 2 * sumX2 / QK;
                for (int j = 0; j < 16; j++) {
                    int q = b * QK + 16 * j;
                    for (int l = 0; l < 16; l++) {
                        float v = src[x + 16 * j + l];
                        w[l] = importance[q + l] * (float) Math.sqrt(sigma2 + v * v);
                    }
                    float sumW = 0;
                    for (int l = 0; l < 16; l++) sumW += w[l];
                    sw[j] = sumW;
                    scales[j] = Fitters.makeQxQuants(16, 4, src, x + 16 * j, L, 16 * j, w, 0);
                }
                d = Fitters.makeQxQuants(16, 32, scales, 0, ls, 0, sw, 0);
                for (int j = 0; j < 16; j++) sc[j] = ls[j] - 32;
            }
            packScales(sc, dst, o + 96);
            Bytes.putHalf(dst, o + 108, d);
            float dq = Bytes.halfRounded(d);
            for (int j = 0; j < 16; j++) {
                float dl = dq * sc[j];
                if (dl == 0) continue;
                for (int i = 0; i < 16; i++) {
                    L[16 * j + i] = Fitters.clamp(Rounding.nearestInt(src[x + 16 * j + i] / dl), -4, 3) + 4;
                }
            }
            // High bit of element e goes to bit e/32 of hmask[e % 32]; the low two bits as Q2_K.
            for (int m = 0; m < 32; m++) {
                int h = 0;
                for (int k = 0; k < 8; k++) {
                    int e = 32 * k + m;
                    if (L[e] > 3) {
                        h |= 1 << k;
                        L[e] -= 4;
                    }
                }
                Bytes.putU8(dst, o + m, h);
            }
            Q2_KCodec.pack2Bit(L, dst, o + 32);
        }
    }
}
