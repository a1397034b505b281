package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * The dot products of llama.cpp's x86 CPU backend (AVX2 build) in their exact float operation
 * order, so that a forward pass built on them reproduces llama.cpp's numbers bit for bit. Integer
 * parts are exact in any order; what this class fixes is how the float parts are grouped:
 * <ul>
 * <li>8-lane accumulators: lane {@code m} takes the elements whose index within their 32-element
 *     stretch is {@code 4m..4m+3} (the pairwise multiply-adds of the SIMD code), one fused
 *     multiply-add per block ({@code Q4_0/Q4_1/Q5_0/Q5_1/Q8_0}, scale {@code d_w·d_x}; the
 *     offsets {@code m_w·s_x} of Q4_1/Q5_1 summed in one float) or per 256-element
 *     super-block (K-quants, {@code d_x·d_w} times the lane's scaled integer sum);</li>
 * <li>K-quant minimum terms: Q2_K into the same 8 lanes before the scales, Q4_K into 4 lanes of
 *     sub-block pairs, Q5_K into one float;</li>
 * <li>the 8 lanes summed as {@code ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7))};</li>
 * <li>Q4_0 with a row count divisible by 8 is repacked by llama.cpp and multiplied per row: one
 *     float chain {@code acc = fma(Σ_block, d_w·d_x, acc)};</li>
 * <li>F32/F16: a single-token product uses ggml's dot product (4 accumulators of 8 lanes over
 *     32-element steps, the rest in double for F16 and in float for F32), longer
 *     batches the tiled GEMM (one 8-lane accumulator) when the length is a multiple of 8.</li>
 * </ul>
 * Activations come as {@link ActivationQuantizer} blocks (or F16-rounded floats). Scalar and slow:
 * for checking against llama.cpp, not for serving.
 */
public final class LlamaCppDot {
    private LlamaCppDot() {}

    /**
     * Quantized weight row of {@code weight} type at {@code w[wo..]} with the activation row of
     * {@link ReferenceDot#activationType} blocks at {@code a[ao..]}, {@code n} elements;
     * {@code repacked}: a Q4_0 matrix whose row count llama.cpp's repacking accepts (a multiple of 8).
     */
    public static float dot(TensorType weight, MemorySegment w, long wo, MemorySegment a, long ao, int n, boolean repacked) {
        return switch (weight) {
            case Q4_0 -> repacked ? q4_0Repacked(w, wo, a, ao, n) : block32(weight, w, wo, a, ao, n);
            case Q4_1, Q5_0, Q5_1, Q8_0 -> block32(weight, w, wo, a, ao, n);
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> kQuant(weight, w, wo, a, ao, n);
            default -> throw new IllegalArgumentException("weight type " + weight + ": no llama.cpp-order dot product"
                    + " (expected Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or Q2_K..Q6_K)");
        };
    }

    /**
     * Float rows in ggml's single-token order: F16 weights (with F16-rounded activations) finish
     * the elements after the last 32-element step in double, F32 weights ({@code f32}) in float.
     */
    public static float dotVec(float[] w, int wo, float[] x, int xo, int n, boolean f32) {
        int np = n & ~31;
        float[][] s = new float[4][8];
        for (int i = 0; i < np; i += 32) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 8; l++) s[j][l] = Math.fma(w[wo + i + 8 * j + l], x[xo + i + 8 * j + l], s[j][l]);
            }
        }
        float[] v = new float[8];
        for (int l = 0; l < 8; l++) v[l] = (s[0][l] + s[2][l]) + (s[1][l] + s[3][l]);
        float reduced = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
        if (f32) {
            for (int i = np; i < n; i++) reduced += w[wo + i] * x[xo + i];
            return reduced;
        }
        double sum = reduced;
        for (int i = np; i < n; i++) {
            float p = w[wo + i] * x[xo + i];
            sum += p;
        }
        return (float) sum;
    }

    /** Float rows in the tiled GEMM's order (batches of two or more tokens; {@code n} a multiple of 8). */
    public static float dotGemm(float[] w, int wo, float[] x, int xo, int n) {
        float[] acc = new float[8];
        for (int i = 0; i < n; i += 8) {
            for (int l = 0; l < 8; l++) acc[l] = Math.fma(w[wo + i + l], x[xo + i + l], acc[l]);
        }
        return hsum(acc);
    }

    static float hsum(float[] a) {
        return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    }

    private static int code32(TensorType weight, MemorySegment w, long o, int e) {
        return switch (weight) {
            case Q4_0 -> Q4_0Codec.code(w, o, e);
            case Q4_1 -> Q4_1Codec.code(w, o, e);
            case Q5_0 -> Q5_0Codec.code(w, o, e);
            case Q5_1 -> Q5_1Codec.code(w, o, e);
            default -> Bytes.i8(w, o + 2 + e);
        };
    }

    /**
     * Q4_0/Q5_0/Q8_0 against Q8_0, Q4_1/Q5_1 against Q8_1: per block and lane
     * {@code acc = fma(d_w·d_x, Σ of 4 products, acc)}; for the latter the offsets
     * {@code m_w·s_x} summed in one float, added last.
     */
    private static float block32(TensorType weight, MemorySegment w, long wo, MemorySegment a, long ao, int n) {
        float[] acc = new float[8];
        float summs = 0;
        boolean q81 = weight == TensorType.Q4_1 || weight == TensorType.Q5_1;
        long wb = weight.blockBytes(), ab = q81 ? 36 : 34, codes = q81 ? 4 : 2;
        for (int b = 0; b < n / 32; b++) {
            long o = wo + b * wb, x = ao + ab * b;
            float d = Bytes.half(w, o) * Bytes.half(a, x);
            if (q81) summs += Bytes.half(w, o + 2) * Bytes.half(a, x + 2);
            for (int l = 0; l < 8; l++) {
                int s = 0;
                for (int k = 4 * l; k < 4 * l + 4; k++) s += code32(weight, w, o, k) * Bytes.i8(a, x + codes + k);
                acc[l] = Math.fma(d, (float) s, acc[l]);
            }
        }
        return hsum(acc) + summs;
    }

    /** Repacked Q4_0: one chain per row, {@code acc = fma(Σ_block, d_w·d_x, acc)}. */
    private static float q4_0Repacked(MemorySegment w, long wo, MemorySegment a, long ao, int n) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++) {
            long o = wo + 18L * b, x = ao + 34L * b;
            int s = 0;
            for (int k = 0; k < 32; k++) s += Q4_0Codec.code(w, o, k) * Bytes.i8(a, x + 2 + k);
            acc = Math.fma((float) s, Bytes.half(w, o) * Bytes.half(a, x), acc);
        }
        return acc;
    }

    /** Integer sub-scale of element {@code e}'s 16-element group (K-quants; Q4_K/Q5_K per 32). */
    private static int kScale(TensorType weight, MemorySegment w, long o, int e) {
        return switch (weight) {
            case Q2_K -> Bytes.u8(w, o + e / 16) & 0xF;
            case Q3_K -> Q3_KCodec.scale(w, o + 96, e / 16);
            case Q4_K, Q5_K -> KScales.scale(w, o + 4, e / 32);
            default -> Bytes.i8(w, o + 192 + e / 16);
        };
    }

    private static int kCode(TensorType weight, MemorySegment w, long o, int e) {
        return switch (weight) {
            case Q2_K -> Q2_KCodec.code(w, o, e);
            case Q3_K -> Q3_KCodec.code(w, o, e);
            case Q4_K -> Q4_KCodec.code(w, o, e);
            case Q5_K -> Q5_KCodec.code(w, o, e);
            default -> Q6_KCodec.code(w, o, e);
        };
    }

    /** Offset of the FP16 super-block scale {@code d} (and {@code dmin} after it, where present). */
    private static int dOffset(TensorType weight) {
        return switch (weight) {
            case Q2_K -> 80;
            case Q3_K -> 108;
            case Q6_K -> 208;
            default -> 0;
        };
    }

    private static float kQuant(TensorType weight, MemorySegment w, long wo, MemorySegment a, long ao, int n) {
        float[] acc = new float[8], accMin = new float[4];
        int[] products = new int[256];
        float summs = 0;
        long wb = weight.blockBytes();
        int dOff = dOffset(weight);
        for (int sb = 0; sb < n / 256; sb++) {
            long o = wo + sb * wb, x = ao + 292L * sb;
            float dx = Bytes.f32(a, x);
            float d = dx * Bytes.half(w, o + dOff);
            float dmin = -dx * (weight == TensorType.Q2_K ? Bytes.half(w, o + 82) : Bytes.half(w, o + 2));
            switch (weight) {
                case Q2_K -> {
                    for (int k = 0; k < 8; k++) {
                        int p = (Bytes.u8(w, o + 2 * k) >> 4) * Bytes.i16(a, x + 260 + 4L * k)
                                + (Bytes.u8(w, o + 2 * k + 1) >> 4) * Bytes.i16(a, x + 262 + 4L * k);
                        acc[k] = Math.fma(dmin, (float) p, acc[k]);
                    }
                }
                case Q4_K, Q5_K -> {
                    int[] sub = new int[8];
                    for (int j = 0; j < 8; j++) sub[j] = Bytes.i16(a, x + 260 + 4L * j) + Bytes.i16(a, x + 262 + 4L * j);
                    if (weight == TensorType.Q4_K) {
                        for (int k = 0; k < 4; k++) {
                            int p = KScales.min(w, o + 4, 2 * k) * sub[2 * k] + KScales.min(w, o + 4, 2 * k + 1) * sub[2 * k + 1];
                            accMin[k] = Math.fma(dmin, (float) p, accMin[k]);
                        }
                    } else {
                        int p = 0;
                        for (int j = 0; j < 8; j++) p += KScales.min(w, o + 4, j) * sub[j];
                        summs += dmin * p;
                    }
                }
                default -> { }
            }
            for (int g = 0; g < 16; g++) {
                int sc = kScale(weight, w, o, 16 * g);
                for (int e = 16 * g; e < 16 * g + 16; e++) products[e] = sc * kCode(weight, w, o, e) * Bytes.i8(a, x + 4 + e);
            }
            for (int m = 0; m < 8; m++) {
                int s = 0;
                for (int c = 0; c < 8; c++) {
                    for (int k = 0; k < 4; k++) s += products[32 * c + 4 * m + k];
                }
                acc[m] = Math.fma(d, (float) s, acc[m]);
            }
        }
        float result = hsum(acc);
        if (weight == TensorType.Q4_K) result += (accMin[0] + accMin[2]) + (accMin[1] + accMin[3]);
        if (weight == TensorType.Q5_K) result += summs;
        return result;
    }
}
