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

    /** Signed code (−32..31) of element {@code e = 128n + 32k + l} of the block at {@code o}. */
    static int code(MemorySegment s, long o, int e) {
        int n = e >> 7, k = (e >> 5) & 3, l = e & 31;
        int low = (Bytes.u8(s, o + 64 * n + 32 * (k & 1) + l) >> (4 * (k >> 1))) & 0xF;
        int high = (Bytes.u8(s, o + 128 + 32 * n + l) >> (2 * k)) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 208);
            for (int e = 0; e < QK; e++) dst[y + e] = d * Bytes.i8(src, o + 192 + e / 16) * code(src, o, e);
        }
    }

    /**
     * Reference ({@code quantize_row_q6_K_ref}): per 16 elements a symmetric weighted fit; int8
     * scales relative to the scale of largest magnitude (−128 maps to it); then every element is
     * re-quantized with the stored scales. A block whose scales are all ~0 is written as zeros.
     * With importance the sub-block fits use the importance weights directly, as ggml does.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        int[] L = new int[QK];
        float[] scales = new float[16];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float maxScale = 0, maxAbsScale = 0;
            for (int j = 0; j < 16; j++) {
                float scale = Fitters.makeQxQuants(16, 32, src, x + 16 * j, L, 16 * j, importance, b * QK + 16 * j);
                scales[j] = scale;
                float a = Math.abs(scale);
                if (a > maxAbsScale) {
                    maxAbsScale = a;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < Fitters.GROUP_MAX_EPS) {
                dst.asSlice(o, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            Bytes.putHalf(dst, o + 208, 1 / iscale);
            float dq = Bytes.halfRounded(1 / iscale);
            for (int j = 0; j < 16; j++) {
                int s = (byte) Math.min(127, Rounding.nearestInt(iscale * scales[j]));
                Bytes.putU8(dst, o + 192 + j, s);
                float dl = dq * s;
                if (dl == 0) continue;
                for (int i = 0; i < 16; i++) {
                    L[16 * j + i] = Fitters.clamp(Rounding.nearestInt(src[x + 16 * j + i] / dl), -32, 31) + 32;
                }
            }
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    int e = 128 * n + l;
                    Bytes.putU8(dst, o + 64 * n + l, (L[e] & 0xF) | ((L[e + 64] & 0xF) << 4));
                    Bytes.putU8(dst, o + 64 * n + 32 + l, (L[e + 32] & 0xF) | ((L[e + 96] & 0xF) << 4));
                    Bytes.putU8(dst, o + 128 + 32 * n + l, (L[e] >> 4) | ((L[e + 32] >> 4) << 2)
                            | ((L[e + 64] >> 4) << 4) | ((L[e + 96] >> 4) << 6));
                }
            }
        }
    }
}
