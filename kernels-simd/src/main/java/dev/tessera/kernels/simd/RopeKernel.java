package dev.tessera.kernels.simd;

import dev.tessera.tensor.Rope;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Rotary embedding, vectorized for both layouts. The angles of a batch are computed once per call
 * (in double, then rounded) into tables laid out like the head: for GPT-NeoX pairs
 * {@code (p, p + dims/2)} two contiguous halves, for adjacent pairs {@code (2p, 2p+1)} each value
 * twice with the sine's sign alternating, so that {@code x' = x·cos + swap(x)·sin}, where
 * {@code swap} exchanges neighbours.
 */
final class RopeKernel {
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(Lanes.F, k -> k ^ 1);

    private float[] cos = new float[0];
    private float[] sin = new float[0];

    void apply(float[] x, int off, int n, int heads, int headDim, int[] positions, Rope rope) {
        int dims = rope.dims(), half = dims / 2;
        if (cos.length < n * dims) {
            cos = new float[n * dims];
            sin = new float[n * dims];
        }
        float[] inv = rope.invFreq();
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < half; p++) {
                double angle = positions[i] * (double) inv[p];
                float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                if (rope.neox()) {
                    cos[i * dims + p] = c;
                    sin[i * dims + p] = s;
                } else {
                    cos[i * dims + 2 * p] = c;
                    cos[i * dims + 2 * p + 1] = c;
                    sin[i * dims + 2 * p] = -s;
                    sin[i * dims + 2 * p + 1] = s;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                int base = off + (i * heads + h) * headDim;
                if (rope.neox()) neox(x, base, i * dims, half);
                else adjacent(x, base, i * dims, dims);
            }
        }
    }

    /**
     * llama.cpp's rotation, bit for bit, for {@link CpuBackend#matchingLlamaCpp}: per position the
     * angle of pair {@code i} is the float chain {@code θ_0 = p}, {@code θ_{i+1} = θ_i·s} with
     * {@code s = invFreq[1]} (the standard table's ratio; scaled tables are not reproduced), the C
     * library's sine and cosine of the float angle ({@link Libm}), and the products fused as its compiler contracts them:
     * {@code x0' = fma(x0, cos, −(x1·sin))}, {@code x1' = fma(x0, sin, x1·cos)}.
     */
    void applyLlamaCpp(float[] x, int off, int n, int heads, int headDim, int[] positions, Rope rope) {
        int dims = rope.dims(), half = dims / 2;
        float ratio = half > 1 ? rope.invFreq()[1] : 1f;
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                int base = off + (i * heads + h) * headDim;
                float theta = positions[i];
                for (int p = 0; p < half; p++) {
                    float c = Libm.cosf(theta), sn = Libm.sinf(theta);
                    int a = rope.neox() ? base + p : base + 2 * p, b = rope.neox() ? base + p + half : a + 1;
                    float x0 = x[a], x1 = x[b];
                    x[a] = Math.fma(x0, c, -(x1 * sn));
                    x[b] = Math.fma(x0, sn, x1 * c);
                    theta *= ratio;
                }
            }
        }
    }

    private void neox(float[] x, int base, int t, int half) {
        int p = 0;
        for (; p + Lanes.FLOATS <= half; p += Lanes.FLOATS) {
            FloatVector a = FloatVector.fromArray(Lanes.F, x, base + p);
            FloatVector b = FloatVector.fromArray(Lanes.F, x, base + half + p);
            FloatVector c = FloatVector.fromArray(Lanes.F, cos, t + p);
            FloatVector s = FloatVector.fromArray(Lanes.F, sin, t + p);
            a.mul(c).sub(b.mul(s)).intoArray(x, base + p);
            a.mul(s).add(b.mul(c)).intoArray(x, base + half + p);
        }
        for (; p < half; p++) {
            float a = x[base + p], b = x[base + half + p], c = cos[t + p], s = sin[t + p];
            x[base + p] = a * c - b * s;
            x[base + half + p] = a * s + b * c;
        }
    }

    private void adjacent(float[] x, int base, int t, int dims) {
        int d = 0;
        for (; d + Lanes.FLOATS <= dims; d += Lanes.FLOATS) {
            FloatVector v = FloatVector.fromArray(Lanes.F, x, base + d);
            FloatVector s = FloatVector.fromArray(Lanes.F, sin, t + d);
            v.mul(FloatVector.fromArray(Lanes.F, cos, t + d)).add(v.rearrange(SWAP_PAIRS).mul(s)).intoArray(x, base + d);
        }
        for (; d < dims; d += 2) {
            float a = x[base + d], b = x[base + d + 1], c = cos[t + d], s = sin[t + d + 1];
            x[base + d] = a * c - b * s;
            x[base + d + 1] = a * s + b * c;
        }
    }
}
