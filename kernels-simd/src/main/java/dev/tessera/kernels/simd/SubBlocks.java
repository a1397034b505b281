package dev.tessera.kernels.simd;

import dev.tessera.tensor.TensorType;


/**
 * Splits one 32-element stretch of a quantized row into integer codes and, per 16-element half,
 * a float scale and offset with {@code y = scale·code + offset} computed as ggml computes it
 * ({@code dl = d·sc}, {@code ml = dmin·m}, {@code y = dl·q − ml}). Written from the block layouts of
 * quant-formats.md §3, separately from the reference dequantizers it is tested against.
 */
final class SubBlocks {
    private SubBlocks() {}

    /** True if some half block of {@code type} has a non-zero offset. */
    static boolean hasOffsets(TensorType type) {
        return switch (type) {
            case Q4_1, Q5_1, Q2_K, Q4_K, Q5_K -> true;
            default -> false;
        };
    }

    private static float half(byte[] s, int o) {
        return Float.float16ToFloat((short) ((s[o] & 0xFF) | s[o + 1] << 8));
    }

    private static int u8(byte[] s, int o) {
        return s[o] & 0xFF;
    }

    /**
     * Decodes elements {@code [32·k, 32·k + 32)} of the row whose bytes are {@code s} into
     * {@code codes[0..32)}, {@code scales[0..2)} and {@code offsets[0..2)} (one per half).
     */
    static void split(TensorType type, byte[] s, int k, byte[] codes, float[] scales, float[] offsets) {
        switch (type) {
            case Q8_0 -> {
                int o = 34 * k;
                float d = half(s, o);
                System.arraycopy(s, o + 2, codes, 0, 32);
                set(scales, offsets, d, 0, d, 0);
            }
            case Q4_1 -> {
                int o = 20 * k;
                float d = half(s, o), m = half(s, o + 2);
                for (int j = 0; j < 16; j++) {
                    codes[j] = (byte) (u8(s, o + 4 + j) & 0xF);
                    codes[j + 16] = (byte) (u8(s, o + 4 + j) >> 4);
                }
                set(scales, offsets, d, m, d, m);
            }
            case Q5_0, Q5_1 -> {
                boolean one = type == TensorType.Q5_1;
                int o = (one ? 24 : 22) * k;
                float d = half(s, o), m = one ? half(s, o + 2) : 0;
                int qh = o + (one ? 4 : 2), qs = qh + 4;
                int hb = u8(s, qh) | u8(s, qh + 1) << 8 | u8(s, qh + 2) << 16 | u8(s, qh + 3) << 24;
                for (int j = 0; j < 16; j++) {
                    int lo = (u8(s, qs + j) & 0xF) | ((hb >>> j) & 1) << 4;
                    int hi = (u8(s, qs + j) >> 4) | ((hb >>> (j + 16)) & 1) << 4;
                    codes[j] = (byte) (one ? lo : lo - 16);
                    codes[j + 16] = (byte) (one ? hi : hi - 16);
                }
                set(scales, offsets, d, m, d, m);
            }
            case Q2_K -> {
                int o = 84 * (k / 8);
                float d = half(s, o + 80), dmin = half(s, o + 82);
                int e0 = 32 * (k % 8), n = e0 / 128, j = (e0 % 128) / 32;
                for (int l = 0; l < 32; l++) codes[l] = (byte) ((u8(s, o + 16 + 32 * n + l) >> (2 * j)) & 3);
                int s0 = u8(s, o + e0 / 16), s1 = u8(s, o + e0 / 16 + 1);
                set(scales, offsets, d * (s0 & 0xF), -(dmin * (s0 >> 4)), d * (s1 & 0xF), -(dmin * (s1 >> 4)));
            }
            case Q3_K -> {
                int o = 110 * (k / 8);
                float d = half(s, o + 108);
                int e0 = 32 * (k % 8), n = e0 / 128, j = (e0 % 128) / 32;
                for (int l = 0; l < 32; l++) {
                    int low = (u8(s, o + 32 + 32 * n + l) >> (2 * j)) & 3;
                    int hbit = (u8(s, o + l) >> (4 * n + j)) & 1;
                    codes[l] = (byte) (low - (hbit != 0 ? 0 : 4));
                }
                set(scales, offsets, d * q3Scale(s, o + 96, e0 / 16), 0, d * q3Scale(s, o + 96, e0 / 16 + 1), 0);
            }
            case Q4_K, Q5_K -> {
                boolean five = type == TensorType.Q5_K;
                int o = (five ? 176 : 144) * (k / 8);
                float d = half(s, o), dmin = half(s, o + 2);
                int sub = k % 8, c = sub / 2, h = sub % 2;
                int qs = o + (five ? 48 : 16);
                for (int l = 0; l < 32; l++) {
                    int q = (u8(s, qs + 32 * c + l) >> (4 * h)) & 0xF;
                    if (five) q += ((u8(s, o + 16 + l) >> (2 * c + h)) & 1) << 4;
                    codes[l] = (byte) q;
                }
                float dl = d * kScale(s, o + 4, sub), ml = dmin * kMin(s, o + 4, sub);
                set(scales, offsets, dl, -ml, dl, -ml);
            }
            case Q6_K -> {
                int o = 210 * (k / 8);
                float d = half(s, o + 208);
                int e0 = 32 * (k % 8), n = e0 / 128, kk = (e0 % 128) / 32;
                for (int l = 0; l < 32; l++) {
                    int low = (u8(s, o + 64 * n + 32 * (kk % 2) + l) >> (4 * (kk / 2))) & 0xF;
                    int high = (u8(s, o + 128 + 32 * n + l) >> (2 * kk)) & 3;
                    codes[l] = (byte) ((low | high << 4) - 32);
                }
                float s0 = s[o + 192 + e0 / 16], s1 = s[o + 192 + e0 / 16 + 1];
                set(scales, offsets, d * s0, 0, d * s1, 0);
            }
            default -> throw new IllegalArgumentException("type " + type + " has no 8-bit code split");
        }
    }

    private static void set(float[] scales, float[] offsets, float s0, float o0, float s1, float o1) {
        scales[0] = s0;
        scales[1] = s1;
        offsets[0] = o0;
        offsets[1] = o1;
    }

    /** Signed 6-bit scale {@code j} of a Q3_K super-block (packing of quant-formats.md §3.9). */
    static int q3Scale(byte[] s, int b, int j) {
        int low = j < 8 ? u8(s, b + j) & 0xF : u8(s, b + j - 8) >> 4;
        int high = (u8(s, b + 8 + j % 4) >> (2 * (j / 4))) & 3;
        return (low | high << 4) - 32;
    }

    /** 6-bit scale {@code j} of a Q4_K/Q5_K super-block (quant-formats.md §3.10). */
    static int kScale(byte[] s, int b, int j) {
        return j < 4 ? u8(s, b + j) & 63 : (u8(s, b + j + 4) & 0xF) | (u8(s, b + j - 4) >> 6) << 4;
    }

    /** 6-bit min {@code j} of a Q4_K/Q5_K super-block. */
    static int kMin(byte[] s, int b, int j) {
        return j < 4 ? u8(s, b + j + 4) & 63 : (u8(s, b + j + 4) >> 4) | (u8(s, b + j) >> 6) << 4;
    }
}
