package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference of how llama.cpp's CPU backend (x86, AVX2 build) converts a matmul's float
 * activation row to the weight type's {@link ReferenceDot#activationType activation format}
 * before its dot products. It differs from the file-format reference quantizers
 * ({@link Quantizer}) for Q8_0 and Q8_1, whose vectorized CPU versions compute the reciprocal as
 * {@code 127/amax} rather than {@code 1/(amax/127)} and round half to even rather than away from
 * zero; Q8_K has only one implementation. Results are ggml's block bytes, so {@link ReferenceDot}
 * can take them.
 */
public final class ActivationQuantizer {
    private ActivationQuantizer() {}

    /**
     * {@code n} floats from {@code x[offset..]} as {@code format} blocks (Q8_0, Q8_1 or Q8_K; n a
     * multiple of the block length):
     * <ul>
     * <li>Q8_0: per 32, {@code d = FP16(amax/127)}, {@code q = round-half-even(x·(127/amax))}
     *     (0 for an all-zero block);</li>
     * <li>Q8_1: the same, and {@code s = FP16((amax/127)·Σq)} with the unrounded scale;</li>
     * <li>Q8_K: as {@link Quantizer} writes it (the first element of largest magnitude {@code m}
     *     sets {@code iscale = −127/m}, {@code q = min(127, round-half-even(iscale·x))},
     *     {@code d = 1/iscale} as a float, sums of 16 codes).</li>
     * </ul>
     */
    public static MemorySegment quantize(TensorType format, float[] x, int offset, int n) {
        if (format == TensorType.Q8_K) {
            float[] row = new float[n];
            System.arraycopy(x, offset, row, 0, n);
            return Quantizer.quantize(TensorType.Q8_K, row, n, null);
        }
        if (format != TensorType.Q8_0 && format != TensorType.Q8_1) {
            throw new IllegalArgumentException("activation format " + format + ": expected Q8_0, Q8_1 or Q8_K");
        }
        if (n % 32 != 0) throw new IllegalArgumentException("activation row of " + n + " floats: expected a multiple of 32");
        boolean q81 = format == TensorType.Q8_1;
        int bytes = q81 ? 36 : 34, codes = q81 ? 4 : 2;
        MemorySegment out = MemorySegment.ofArray(new byte[n / 32 * bytes]);
        for (int b = 0; b < n / 32; b++) {
            long o = (long) b * bytes;
            int x0 = offset + 32 * b;
            float amax = 0;
            for (int e = 0; e < 32; e++) amax = Math.max(amax, Math.abs(x[x0 + e]));
            float d = amax / 127;
            float id = amax != 0 ? 127f / amax : 0f;
            Bytes.putHalf(out, o, d);
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                int q = Rounding.nearestInt(x[x0 + e] * id);
                Bytes.putU8(out, o + codes + e, q);
                sum += q;
            }
            if (q81) Bytes.putHalf(out, o + 2, d * sum);
        }
        return out;
    }

    /** {@code x} rounded to {@code format} (F16: to nearest even, as the F16C conversion ggml uses; F32: unchanged). */
    public static float round(TensorType format, float x) {
        return switch (format) {
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(x));
            case F32 -> x;
            default -> throw new IllegalArgumentException("activation format " + format + ": expected F32 or F16");
        };
    }
}
