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

    /** Code (0..3) of element {@code e = 128n + 32j + l} of the block at {@code o}. */
    static int code(MemorySegment s, long o, int e) {
        int n = e >> 7, j = (e >> 5) & 3, l = e & 31;
        return (Bytes.u8(s, o + 16 + 32 * n + l) >> (2 * j)) & 3;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            int y = dstOffset + b * QK;
            float d = Bytes.half(src, o + 80);
            float dmin = Bytes.half(src, o + 82);
            for (int e = 0; e < QK; e++) {
                int s = Bytes.u8(src, o + e / 16);
                float dl = d * (s & 0xF);
                float ml = dmin * (s >> 4);
                dst[y + e] = dl * code(src, o, e) - ml;
            }
        }
    }

    /**
     * Reference ({@code quantize_row_q2_K_ref}): per 16 elements a scale+min fit with weights
     * |x| and mean-absolute error; 4-bit scales and mins relative to their maxima; then every
     * element is re-quantized with the stored (FP16-rounded) scales. With importance:
     * ggml's {@code quantize_row_q2_K_impl}.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        int[] L = new int[QK];
        int[] laux = new int[16];
        int[] ls = new int[16];
        int[] lm = new int[16];
        float[] w = new float[16];
        float[] sw = new float[16];
        float[] scales = new float[16];
        float[] mins = new float[16];
        float[] minOut = new float[1];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * BYTES;
            int x = srcOffset + b * QK;
            float d, dmin;
            if (importance == null) {
                float maxScale = 0, maxMin = 0;
                for (int j = 0; j < 16; j++) {
                    for (int l = 0; l < 16; l++) w[l] = Math.abs(src[x + 16 * j + l]);
                    scales[j] = Fitters.makeQkx2Quants(16, 3, src, x + 16 * j, w, 0, L, 16 * j, minOut, laux,
                            -0.5f, 0.1f, 15, true);
                    mins[j] = minOut[0];
                    if (scales[j] > maxScale) maxScale = scales[j];
                    if (mins[j] > maxMin) maxMin = mins[j];
                }
                for (int j = 0; j < 16; j++) {
                    ls[j] = maxScale > 0 ? Rounding.nearestInt(15f / maxScale * scales[j]) : 0;
                    lm[j] = maxMin > 0 ? Rounding.nearestInt(15f / maxMin * mins[j]) : 0;
                }
                d = maxScale > 0 ? maxScale / 15f : 0f;
                dmin = maxMin > 0 ? maxMin / 15f : 0f;
            } else {
                float sumX2 = 0;
                for (int j = 0; j < QK; j++) sumX2 += src[x + j] * src[x + j];
                float sigma2 = sumX2 / QK;
                for (int j = 0; j < 16; j++) {
                    int q = b * QK + 16 * j;
                    sw[j] = 0;
                    for (int l = 0; l < 16; l++) {
                        float v = src[x + 16 * j + l];
                        w[l] = importance[q + l] * (float) Math.sqrt(sigma2 + v * v);
                    }
                    for (int l = 0; l < 16; l++) sw[j] += w[l];
                    scales[j] = Fitters.makeQkx3Quants(16, 3, src, x + 16 * j, w, 0, L, 16 * j, minOut, laux,
                            -0.9f, 0.05f, 36, false);
                    mins[j] = minOut[0];
                }
                d = Fitters.makeQpQuants(16, 15, scales, ls, sw);
                dmin = Fitters.makeQpQuants(16, 15, mins, lm, sw);
            }
            Bytes.putHalf(dst, o + 80, d);
            Bytes.putHalf(dst, o + 82, dmin);
            float dq = Bytes.halfRounded(d);
            float dminq = Bytes.halfRounded(dmin);
            for (int j = 0; j < 16; j++) {
                int s = (ls[j] | (lm[j] << 4)) & 0xFF;
                Bytes.putU8(dst, o + j, s);
                float dl = dq * (s & 0xF);
                if (dl == 0) continue;
                float ml = dminq * (s >> 4);
                for (int i = 0; i < 16; i++) {
                    L[16 * j + i] = Fitters.clamp(Rounding.nearestInt((src[x + 16 * j + i] + ml) / dl), 0, 3);
                }
            }
            pack2Bit(L, dst, o + 16);
        }
    }

    /** Packs 256 two-bit values: element {@code 128n + 32j + l} at bits {@code 2j} of byte {@code 32n + l}. */
    static void pack2Bit(int[] L, MemorySegment dst, long at) {
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * n + l;
                Bytes.putU8(dst, at + 32 * n + l, L[e] | (L[e + 32] << 2) | (L[e + 64] << 4) | (L[e + 96] << 6));
            }
        }
    }
}
