package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code exp} with the arithmetic of llama.cpp's vectorized CPU kernels (softmax, SiLU), so that
 * results agree with it bit for bit: {@code n = round(x·log2 e)} by adding 1.5·2^23, the reduced
 * argument {@code b = x − n·ln 2} in two fused steps (ln 2 split in a high and a low part),
 * {@code exp(b) − 1} by a degree-5 polynomial, and the scale {@code 2^n} built in the exponent
 * bits, split in two factors when {@code |n| > 126} so that the result over- or underflows
 * correctly. About 1.5 ulp from the true value.
 */
final class GgmlExp {
    private GgmlExp() {}

    private static final float SHIFT = 0x1.8p23f;
    private static final float LOG2E = 0x1.715476p+0f;
    private static final float LN2_HI = 0x1.62e4p-1f;
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    private static final float C5 = 0x1.0e4020p-7f;
    private static final float C4 = 0x1.573e2ep-5f;
    private static final float C3 = 0x1.555e66p-3f;
    private static final float C2 = 0x1.fffdb6p-2f;
    private static final float C1 = 0x1.ffffecp-1f;
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    /**
     * {@code x[off + i] = exp(x[off + i] − shift)} for {@code i < count}, every element with the
     * vector arithmetic (ggml's softmax rows are whole vectors). Vectors whose some lane has
     * {@code |round(x·log2 e)| > 126} (arguments beyond about ±87, including −∞) go element by
     * element through {@link #exp(float)}, which keeps the vector code free of masks.
     */
    static void expInPlace(float[] x, int off, int count, float shift) {
        int i = 0;
        for (; i + Lanes.FLOATS <= count; i += Lanes.FLOATS) {
            FloatVector v = FloatVector.fromArray(Lanes.F, x, off + i).sub(shift);
            FloatVector z = v.fma(LOG2E, SHIFT);
            FloatVector n = z.sub(SHIFT);
            if (n.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
                for (int j = off + i; j < off + i + Lanes.FLOATS; j++) x[j] = exp(x[j] - shift);
                continue;
            }
            FloatVector nn = n.neg();
            FloatVector b = nn.fma(nn.broadcast(LN2_LO), nn.fma(nn.broadcast(LN2_HI), v));
            FloatVector k = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(ONE_BITS).reinterpretAsFloats();
            FloatVector u = b.mul(b);
            FloatVector j = b.fma(C5, C4).fma(u, b.fma(C3, C2)).fma(u, b.mul(C1));
            k.fma(j, k).intoArray(x, off + i);
        }
        for (; i < count; i++) x[off + i] = exp(x[off + i] - shift);
    }

    /**
     * {@code g = silu(g)·u} over {@code n} elements, {@code silu(x) = x/(1 + exp(−x))}; the last
     * {@code n mod 8} take the C library's {@code expf}, as in ggml.
     */
    static void siluMul(float[] g, int go, float[] u, int uo, int n) {
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) {
            FloatVector x = FloatVector.fromArray(Lanes.F, g, go + i);
            FloatVector v = x.neg();
            FloatVector z = v.fma(LOG2E, SHIFT);
            FloatVector n0 = z.sub(SHIFT);
            if (n0.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
                for (int j = i; j < i + Lanes.FLOATS; j++) g[go + j] = g[go + j] / (1 + exp(-g[go + j])) * u[uo + j];
                continue;
            }
            FloatVector nn = n0.neg();
            FloatVector b = nn.fma(nn.broadcast(LN2_LO), nn.fma(nn.broadcast(LN2_HI), v));
            FloatVector k = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(ONE_BITS).reinterpretAsFloats();
            FloatVector u2 = b.mul(b);
            FloatVector j = b.fma(C5, C4).fma(u2, b.fma(C3, C2)).fma(u2, b.mul(C1));
            x.div(k.fma(j, k).add(1f)).mul(FloatVector.fromArray(Lanes.F, u, uo + i)).intoArray(g, go + i);
        }
        int tail = n & ~7;
        for (; i < n; i++) {
            float x = g[go + i];
            float e = i < tail ? exp(-x) : Libm.expf(-x);
            g[go + i] = x / (1 + e) * u[uo + i];
        }
    }

    /** The same arithmetic for one element. */
    static float exp(float x) {
        float z = Math.fma(x, LOG2E, SHIFT);
        float n = z - SHIFT;
        float b = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + ONE_BITS);
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(C5, b, C4), u, Math.fma(C3, b, C2)), u, C1 * b);
        if (!(Math.abs(n) > 126)) return Math.fma(k, j, k);
        int g = n <= 0 ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        if (Math.abs(n) > 192) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }
}
