package dev.tessera.quant;

import java.lang.foreign.MemorySegment;

/**
 * The encoder shared by the two "scale + min" K-quants with 32-element sub-blocks (Q4_K, Q5_K),
 * which differ only in code width, block bytes and the scale-search parameters.
 */
final class KQuant {
    private KQuant() {}

    /**
     * Reference path ({@code importance == null}, ggml's {@code quantize_row_q4/5_K_ref}): per
     * sub-block {@code make_qkx2_quants} with weights {@code sqrt(mean x²) + |x|}; 6-bit scales and
     * mins as {@code min(63, nearest_int(63·v/max))}; {@code d = max_scale/63}, {@code dmin =
     * max_min/63}. Importance path ({@code quantize_row_q4/5_K_impl}): weights
     * {@code qw·sqrt(σ² + x²)} with {@code σ² = 2·mean x²} over the super-block,
     * {@code make_qkx3_quants}, and the 6-bit scales/mins fitted by {@code make_qp_quants}.
     * Both then re-quantize every element with the stored (FP16-rounded) values.
     */
    static void encodeScaleMin(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset,
                               int blocks, int nmax, int blockBytes, float rmin, float rdelta, int nstep) {
        int[] L = new int[256];
        int[] laux = new int[32];
        int[] ls = new int[8];
        int[] lm = new int[8];
        float[] w = new float[32];
        float[] sw = new float[8];
        float[] scales = new float[8];
        float[] mins = new float[8];
        float[] minOut = new float[1];
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * blockBytes;
            int x = srcOffset + b * 256;
            float d, dmin;
            if (importance == null) {
                float maxScale = 0, maxMin = 0;
                for (int j = 0; j < 8; j++) {
                    int xs = x + 32 * j;
                    float sumX2 = 0;
                    for (int l = 0; l < 32; l++) sumX2 += src[xs + l] * src[xs + l];
                    float avX = (float) Math.sqrt(sumX2 / 32);
                    for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(src[xs + l]);
                    scales[j] = Fitters.makeQkx2Quants(32, nmax, src, xs, w, 0, L, 32 * j, minOut, laux,
                            rmin, rdelta, nstep, false);
                    mins[j] = minOut[0];
                    if (scales[j] > maxScale) maxScale = scales[j];
                    if (mins[j] > maxMin) maxMin = mins[j];
                }
                float invScale = maxScale > 0 ? 63f / maxScale : 0f;
                float invMin = maxMin > 0 ? 63f / maxMin : 0f;
                for (int j = 0; j < 8; j++) {
                    ls[j] = Math.min(63, Rounding.nearestInt(invScale * scales[j]) & 0xFF); // uint8_t in ggml
                    lm[j] = Math.min(63, Rounding.nearestInt(invMin * mins[j]) & 0xFF);
                }
                d = maxScale / 63f;
                dmin = maxMin / 63f;
            } else {
                float sumX2 = 0;
                for (int l = 0; l < 256; l++) sumX2 += src[x + l] * src[x + l];
                float sigma2 = 2 * sumX2 / 256;
                for (int j = 0; j < 8; j++) {
                    int xs = x + 32 * j;
                    int q = b * 256 + 32 * j;
                    for (int l = 0; l < 32; l++) {
                        w[l] = importance[q + l] * (float) Math.sqrt(sigma2 + src[xs + l] * src[xs + l]);
                    }
                    float sumW = 0;
                    for (int l = 0; l < 32; l++) sumW += w[l];
                    sw[j] = sumW;
                    scales[j] = Fitters.makeQkx3Quants(32, nmax, src, xs, w, 0, L, 32 * j, minOut, laux,
                            -0.9f, 0.05f, 36, false);
                    mins[j] = minOut[0];
                }
                d = Fitters.makeQpQuants(8, 63, scales, ls, sw);
                dmin = Fitters.makeQpQuants(8, 63, mins, lm, sw);
            }
            KScales.pack(ls, lm, dst, o + 4);
            Bytes.putHalf(dst, o, d);
            Bytes.putHalf(dst, o + 2, dmin);
            float dq = Bytes.halfRounded(d);
            float dminq = Bytes.halfRounded(dmin);
            for (int j = 0; j < 8; j++) {
                float dl = dq * ls[j];
                if (dl == 0) continue;
                float ml = dminq * lm[j];
                for (int i = 0; i < 32; i++) {
                    L[32 * j + i] = Fitters.clamp(Rounding.nearestInt((src[x + 32 * j + i] + ml) / dl), 0, nmax);
                }
            }
            if (nmax == 15) {
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        Bytes.putU8(dst, o + 16 + 32 * c + l, L[64 * c + l] | (L[64 * c + 32 + l] << 4));
                    }
                }
            } else {
                // Q5_K: low nibbles as Q4_K at offset 48, fifth bits in qh[32] at offset 16.
                for (int l = 0; l < 32; l++) {
                    int h = 0;
                    for (int j = 0; j < 8; j++) h |= (L[32 * j + l] >> 4) << j;
                    Bytes.putU8(dst, o + 16 + l, h);
                }
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        Bytes.putU8(dst, o + 48 + 32 * c + l, (L[64 * c + l] & 0xF) | ((L[64 * c + 32 + l] & 0xF) << 4));
                    }
                }
            }
        }
    }
}
