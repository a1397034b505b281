package dev.tessera.tensor;

/**
 * Exact conversions between float32 and the two 16-bit float formats GGUF uses, with ggml's
 * rounding and special-value rules (quant-formats.md section 1.2):
 * <ul>
 *   <li>FP16 (IEEE binary16): round to nearest, ties to even; overflow goes to ±Inf; float32
 *       values below the smallest half subnormal round to ±0; NaN becomes {@code 0x7E00} with
 *       the sign kept (ggml's scalar converter; the hardware one keeps payload bits instead).</li>
 *   <li>BF16 (the upper half of a float32): round to nearest, ties to even; a NaN keeps its upper
 *       half with the quiet bit forced ({@code | 0x40}) so it cannot collapse to Inf.</li>
 * </ul>
 * Halves are passed as {@code short} holding the raw 16 bits.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** FP16 bits to float32 (exact: every half is a float; a signalling NaN comes back quiet, as in ggml). */
    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    /** Float32 to FP16 bits, round to nearest even, NaN to {@code sign | 0x7E00}. */
    public static short f32ToF16(float f) {
        if (Float.isNaN(f)) {
            return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(f);
    }

    /** BF16 bits to float32 (exact). */
    public static float bf16ToF32(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** Float32 to BF16 bits, round to nearest even, NaN kept quiet. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds the upper half to nearest, ties to even.
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
