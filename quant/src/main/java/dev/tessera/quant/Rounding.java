package dev.tessera.quant;

/**
 * The float-to-int roundings of ggml's reference quantizers (quant-formats.md section 1.3).
 * Using the wrong one changes bytes at exact ties.
 */
final class Rounding {
    private Rounding() {}

    /**
     * ggml's {@code nearest_int}: round to nearest, ties to even. It adds 1.5·2²³ in float and
     * reads the mantissa, which for |v| < 2²² is exactly {@code rint}.
     */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /** C's {@code roundf}: round to nearest, ties away from zero (used by Q8_0, Q8_1). */
    static int roundHalfAway(float v) {
        float a = Math.abs(v);
        float f = (float) Math.floor(a);
        if (a - f >= 0.5f) f += 1; // a - f is the exact fraction, so 0.49999997f stays below 0.5
        return (int) Math.copySign(f, v);
    }
}
