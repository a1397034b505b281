package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** Vectorized elementwise kernels over float arrays (each with a scalar loop for the tail). */
final class Vec {
    private static final float GELU_C = 0.7978845608028654f; // sqrt(2/pi)

    private Vec() {}

    /** {@code a[ao..] += b[bo..]} over {@code n}. */
    static void add(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) {
            FloatVector.fromArray(Lanes.F, a, ao + i).add(FloatVector.fromArray(Lanes.F, b, bo + i)).intoArray(a, ao + i);
        }
        for (; i < n; i++) a[ao + i] += b[bo + i];
    }

    static void scale(float[] a, int ao, int n, float s) {
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) FloatVector.fromArray(Lanes.F, a, ao + i).mul(s).intoArray(a, ao + i);
        for (; i < n; i++) a[ao + i] *= s;
    }

    /** {@code x = cap·tanh(x/cap)}. */
    static void softcap(float[] a, int ao, int n, float cap) {
        float inv = 1 / cap;
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) {
            FloatVector.fromArray(Lanes.F, a, ao + i).mul(inv).lanewise(VectorOperators.TANH).mul(cap).intoArray(a, ao + i);
        }
        for (; i < n; i++) a[ao + i] = cap * (float) Math.tanh(a[ao + i] * inv);
    }

    /**
     * {@code g = silu(g)·u} with llama.cpp's arithmetic ({@link GgmlExp#siluMul}), so that the
     * products quantized next agree with it.
     */
    static void swiglu(float[] g, int go, float[] u, int uo, int n) {
        GgmlExp.siluMul(g, go, u, uo, n);
    }

    /** {@code g = gelu_tanh(g)·u}. */
    static void geglu(float[] g, int go, float[] u, int uo, int n) {
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) {
            FloatVector x = FloatVector.fromArray(Lanes.F, g, go + i);
            FloatVector inner = x.mul(x).mul(0.044715f).add(1f).mul(x).mul(GELU_C);
            FloatVector gelu = inner.lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f);
            gelu.mul(FloatVector.fromArray(Lanes.F, u, uo + i)).intoArray(g, go + i);
        }
        for (; i < n; i++) {
            float x = g[go + i];
            float gelu = 0.5f * x * (1 + (float) Math.tanh(GELU_C * (x + 0.044715f * x * x * x)));
            g[go + i] = gelu * u[uo + i];
        }
    }

    /**
     * {@code out = x / sqrt(mean(x²) + eps) · gain} for one row, rounded as llama.cpp does: the
     * float squares summed in double (exact enough that the order does not matter), the mean and
     * {@code 1/sqrt(mean + eps)} in float.
     */
    static void rmsNorm(float[] x, int xo, float[] gain, float[] out, int oo, int n, float eps) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float sq = x[xo + j] * x[xo + j];
            sum += sq;
        }
        float mean = (float) (sum / n);
        float inv = 1f / (float) Math.sqrt(mean + eps);
        int i = 0;
        for (; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) {
            FloatVector.fromArray(Lanes.F, x, xo + i).mul(inv).mul(FloatVector.fromArray(Lanes.F, gain, i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = x[xo + i] * inv * gain[i];
    }

    /** Index of the largest of {@code n} floats from {@code off} (first on ties). */
    static int argmax(float[] a, int off, int n) {
        int i = 0;
        float best = Float.NEGATIVE_INFINITY;
        if (n >= Lanes.FLOATS) {
            FloatVector m = FloatVector.fromArray(Lanes.F, a, off);
            for (i = Lanes.FLOATS; i + Lanes.FLOATS <= n; i += Lanes.FLOATS) m = m.max(FloatVector.fromArray(Lanes.F, a, off + i));
            best = m.reduceLanes(VectorOperators.MAX);
        }
        for (int j = i; j < n; j++) best = Math.max(best, a[off + j]);
        // the first index holding the maximum
        int j = 0;
        for (; j + Lanes.FLOATS <= n; j += Lanes.FLOATS) {
            VectorMask<Float> hit = FloatVector.fromArray(Lanes.F, a, off + j).eq(best);
            if (hit.anyTrue()) return j + hit.firstTrue();
        }
        for (; j < n; j++) if (a[off + j] == best) return j;
        return 0; // all NaN
    }
}
