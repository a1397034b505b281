package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference of ggml's fused dot products (quant-formats.md section 4): a quantized weight
 * row against an activation row quantized to the type ggml pairs with it ({@link #activationType}),
 * integer sums per block and one float combination per block. The block formulas and their float
 * operation order follow ggml's generic CPU kernels, and the results are bit-identical to them for
 * the 32-element types (checked against ggml's own output); for the K-quants ggml's generic code
 * spreads the block sums over 8 float lanes while this sums blocks in order, so those agree to
 * float rounding. Fast kernels that use the same activation format should agree with this to
 * float rounding.
 */
public final class ReferenceDot {
    private ReferenceDot() {}

    /** The activation format ggml's CPU matmul uses for {@code weight} ({@code vec_dot_type}). */
    public static TensorType activationType(TensorType weight) {
        return switch (weight) {
            case Q4_0, Q5_0, Q8_0 -> TensorType.Q8_0;
            case Q4_1, Q5_1 -> TensorType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> TensorType.Q8_K;
            case INT8_G32, INT8_G64, INT8_G128, INT4_G32, INT4_G64, INT4_G128 -> TensorType.Q8_0;
            case INT4A_G32, INT4A_G64, INT4A_G128 -> TensorType.Q8_1;
            default -> throw new IllegalArgumentException("weight type " + weight + ": no quantized dot product"
                    + " (expected Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, INT8_G* or INT4(A)_G*)");
        };
    }

    /**
     * Dot product of {@code n} elements: weight row of type {@code weight} at {@code w[wOffset ..]}
     * with an activation row of type {@code activationType(weight)} at {@code a[aOffset ..]}.
     */
    public static float dot(TensorType weight, MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        TensorType act = activationType(weight);
        int blocks = Dequantizer.blocks(weight, n);
        long actBytesPerBlock = (long) (weight.blockLength() / act.blockLength()) * act.blockBytes();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wo = wOffset + (long) b * weight.blockBytes();
            long ao = aOffset + b * actBytesPerBlock;
            sum += switch (weight) {
                case Q4_0 -> dotQ4_0(w, wo, a, ao);
                case Q4_1 -> dotQ4_1(w, wo, a, ao);
                case Q5_0 -> dotQ5_0(w, wo, a, ao);
                case Q5_1 -> dotQ5_1(w, wo, a, ao);
                case Q8_0 -> dotQ8_0(w, wo, a, ao);
                case Q2_K -> dotQ2_K(w, wo, a, ao);
                case Q3_K -> dotQ3_K(w, wo, a, ao);
                case Q4_K -> dotScaleMinK(w, wo, a, ao, false);
                case Q5_K -> dotScaleMinK(w, wo, a, ao, true);
                case Q6_K -> dotQ6_K(w, wo, a, ao);
                case INT8_G32, INT8_G64, INT8_G128 -> dotInt8(weight.blockLength(), w, wo, a, ao);
                case INT4_G32, INT4_G64, INT4_G128, INT4A_G32, INT4A_G64, INT4A_G128 ->
                        dotInt4((Int4GroupCodec) BlockCodec.of(weight), w, wo, a, ao);
                default -> throw new AssertionError(weight);
            };
        }
        return sum;
    }

    // Q8_0 activation block: FP16 d at 0, i8 qs at 2. Q8_1: FP16 d at 0, FP16 s at 2, qs at 4.

    private static float dotQ4_0(MemorySegment w, long wo, MemorySegment a, long ao) {
        int sumi = 0;
        for (int e = 0; e < 32; e++) sumi += Q4_0Codec.code(w, wo, e) * Bytes.i8(a, ao + 2 + e);
        return sumi * Bytes.half(w, wo) * Bytes.half(a, ao);
    }

    private static float dotQ4_1(MemorySegment w, long wo, MemorySegment a, long ao) {
        int sumi = 0;
        for (int e = 0; e < 32; e++) sumi += Q4_1Codec.code(w, wo, e) * Bytes.i8(a, ao + 4 + e);
        return Bytes.half(w, wo) * Bytes.half(a, ao) * sumi + Bytes.half(w, wo + 2) * Bytes.half(a, ao + 2);
    }

    private static float dotQ5_0(MemorySegment w, long wo, MemorySegment a, long ao) {
        int sumi = 0;
        for (int e = 0; e < 32; e++) sumi += Q5_0Codec.code(w, wo, e) * Bytes.i8(a, ao + 2 + e);
        return Bytes.half(w, wo) * Bytes.half(a, ao) * sumi;
    }

    private static float dotQ5_1(MemorySegment w, long wo, MemorySegment a, long ao) {
        int sumi = 0;
        for (int e = 0; e < 32; e++) sumi += Q5_1Codec.code(w, wo, e) * Bytes.i8(a, ao + 4 + e);
        return Bytes.half(w, wo) * Bytes.half(a, ao) * sumi + Bytes.half(w, wo + 2) * Bytes.half(a, ao + 2);
    }

    private static float dotQ8_0(MemorySegment w, long wo, MemorySegment a, long ao) {
        int sumi = 0;
        for (int e = 0; e < 32; e++) sumi += Bytes.i8(w, wo + 2 + e) * Bytes.i8(a, ao + 2 + e);
        return sumi * (Bytes.half(w, wo) * Bytes.half(a, ao));
    }

    // Tessera's group types: one weight scale spans g/32 activation blocks; per run of 32,
    // (s·d_x)·Σq·q_x (+ m·s_x for the asymmetric form).

    private static float dotInt8(int g, MemorySegment w, long wo, MemorySegment a, long ao) {
        float sw = Bytes.half(w, wo);
        float sum = 0;
        for (int k = 0; k < g / 32; k++) {
            long ak = ao + 34L * k;
            int sumi = 0;
            for (int e = 0; e < 32; e++) sumi += Bytes.i8(w, wo + 2 + 32 * k + e) * Bytes.i8(a, ak + 2 + e);
            sum += sw * Bytes.half(a, ak) * sumi;
        }
        return sum;
    }

    private static float dotInt4(Int4GroupCodec codec, MemorySegment w, long wo, MemorySegment a, long ao) {
        int g = codec.type().blockLength();
        float sw = Bytes.half(w, wo);
        float sum = 0;
        for (int k = 0; k < g / 32; k++) {
            if (codec.asymmetric()) {
                long ak = ao + 36L * k;
                int sumi = 0;
                for (int e = 0; e < 32; e++) sumi += codec.code(w, wo, 32 * k + e) * Bytes.i8(a, ak + 4 + e);
                sum += sw * Bytes.half(a, ak) * sumi + Bytes.half(w, wo + 2) * Bytes.half(a, ak + 2);
            } else {
                long ak = ao + 34L * k;
                int sumi = 0;
                for (int e = 0; e < 32; e++) sumi += (codec.code(w, wo, 32 * k + e) - 8) * Bytes.i8(a, ak + 2 + e);
                sum += sw * Bytes.half(a, ak) * sumi;
            }
        }
        return sum;
    }

    // Q8_K activation block: float d at 0, i8 qs at 4, i16 bsums[16] at 260.

    /** The integer code of element {@code e} of the weight block at {@code o}. */
    private interface Codes {
        int code(MemorySegment s, long o, int e);
    }

    /** Σ over the 16 elements of group {@code g} of weight code × activation code. */
    private static int groupSum(Codes codes, MemorySegment w, long wo, MemorySegment a, long ao, int g) {
        int s = 0;
        for (int e = 16 * g; e < 16 * g + 16; e++) s += codes.code(w, wo, e) * Bytes.i8(a, ao + 4 + e);
        return s;
    }

    private static float dotQ2_K(MemorySegment w, long wo, MemorySegment a, long ao) {
        int summs = 0, isum = 0;
        for (int g = 0; g < 16; g++) {
            int sc = Bytes.u8(w, wo + g);
            summs += Bytes.i16(a, ao + 260 + 2L * g) * (sc >> 4);
            isum += (sc & 0xF) * groupSum(Q2_KCodec::code, w, wo, a, ao, g);
        }
        float dx = Bytes.f32(a, ao);
        float dall = dx * Bytes.half(w, wo + 80);
        float dmin = dx * Bytes.half(w, wo + 82);
        return dall * isum - dmin * summs;
    }

    private static float dotQ3_K(MemorySegment w, long wo, MemorySegment a, long ao) {
        int isum = 0;
        for (int g = 0; g < 16; g++) isum += Q3_KCodec.scale(w, wo + 96, g) * groupSum(Q3_KCodec::code, w, wo, a, ao, g);
        return Bytes.half(w, wo + 108) * Bytes.f32(a, ao) * isum;
    }

    private static float dotScaleMinK(MemorySegment w, long wo, MemorySegment a, long ao, boolean q5) {
        Codes codes = q5 ? Q5_KCodec::code : Q4_KCodec::code;
        int summs = 0, isum = 0;
        for (int g = 0; g < 16; g++) {
            summs += Bytes.i16(a, ao + 260 + 2L * g) * KScales.min(w, wo + 4, g / 2);
            isum += KScales.scale(w, wo + 4, g / 2) * groupSum(codes, w, wo, a, ao, g);
        }
        float dx = Bytes.f32(a, ao);
        float d = Bytes.half(w, wo) * dx;
        float dmin = Bytes.half(w, wo + 2) * dx;
        return d * isum - dmin * summs;
    }

    private static float dotQ6_K(MemorySegment w, long wo, MemorySegment a, long ao) {
        int isum = 0;
        for (int g = 0; g < 16; g++) isum += Bytes.i8(w, wo + 192 + g) * groupSum(Q6_KCodec::code, w, wo, a, ao, g);
        return Bytes.half(w, wo + 208) * Bytes.f32(a, ao) * isum;
    }
}
