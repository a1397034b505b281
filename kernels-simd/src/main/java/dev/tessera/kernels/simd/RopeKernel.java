package dev.tessera.kernels.simd;

import dev.tessera.tensor.Rope;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

import java.util.Arrays;

/**
 * Rotary embedding as llama.cpp computes it, vectorized for both layouts. Angles: where the rope
 * carries llama.cpp's {@link Rope.Chain}, its float chain {@code θ_{i+1} = θ_i·base^(−2/dims)}
 * (the C library's {@code powf}, {@code sinf}, {@code cosf}, {@link Libm}), else the table of
 * inverse frequencies in double. Each pair {@code (x0, x1)} turns as llama.cpp's compiled code
 * does, the {@code x0} product fused: {@code x0' = fma(x0, cos, −(x1·sin))},
 * {@code x1' = fma(x0, sin, x1·cos)}. The cosines and sines of a batch are computed once and kept
 * while the positions repeat (every layer of a forward pass rotates the same positions).
 */
final class RopeKernel {
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(Lanes.F, k -> k ^ 1);
    private static final VectorMask<Float> ODD = VectorMask.fromLong(Lanes.F, 0xAAAAAAAAAAAAAAAAL);

    /** Per position, per pair: for GPT-NeoX {@code half} values; for adjacent pairs each value twice. */
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private Rope tableRope;
    private int[] tablePositions = new int[0];
    private int tableCount = -1;

    void apply(float[] x, int off, int n, int heads, int headDim, int[] positions, Rope rope) {
        int dims = rope.dims();
        angles(rope, positions, n);
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                int base = off + (i * heads + h) * headDim;
                if (rope.neox()) neox(x, base, i * dims, dims / 2);
                else adjacent(x, base, i * dims, dims);
            }
        }
    }

    private void angles(Rope rope, int[] positions, int n) {
        if (rope == tableRope && n == tableCount && Arrays.equals(positions, 0, n, tablePositions, 0, n)) return;
        int dims = rope.dims(), half = dims / 2;
        if (cos.length < n * dims) {
            cos = new float[n * dims];
            sin = new float[n * dims];
        }
        Rope.Chain chain = rope.chain();
        float scale = chain == null ? 0 : Libm.powf(chain.base(), -2.0f / dims);
        float[] inv = rope.invFreq();
        for (int i = 0; i < n; i++) {
            float theta = positions[i];
            for (int p = 0; p < half; p++) {
                float c, s;
                if (chain != null) {
                    float angle = chain.freqScale() * (chain.factors() == null ? theta : theta / chain.factors()[p]);
                    c = Libm.cosf(angle);
                    s = Libm.sinf(angle);
                    theta *= scale;
                } else {
                    double angle = positions[i] * (double) inv[p];
                    c = (float) Math.cos(angle);
                    s = (float) Math.sin(angle);
                }
                int t = rope.neox() ? i * dims + p : i * dims + 2 * p;
                cos[t] = c;
                sin[t] = s;
                if (!rope.neox()) {
                    cos[t + 1] = c;
                    sin[t + 1] = s;
                }
            }
        }
        tableRope = rope;
        tableCount = n;
        if (tablePositions.length < n) tablePositions = new int[Math.max(n, 2 * tablePositions.length)];
        System.arraycopy(positions, 0, tablePositions, 0, n);
    }

    private void neox(float[] x, int base, int t, int half) {
        int p = 0;
        for (; p + Lanes.FLOATS <= half; p += Lanes.FLOATS) {
            FloatVector a = FloatVector.fromArray(Lanes.F, x, base + p);
            FloatVector b = FloatVector.fromArray(Lanes.F, x, base + half + p);
            FloatVector c = FloatVector.fromArray(Lanes.F, cos, t + p);
            FloatVector s = FloatVector.fromArray(Lanes.F, sin, t + p);
            a.fma(c, b.mul(s).neg()).intoArray(x, base + p);
            a.fma(s, b.mul(c)).intoArray(x, base + half + p);
        }
        for (; p < half; p++) {
            float a = x[base + p], b = x[base + half + p], c = cos[t + p], s = sin[t + p];
            x[base + p] = Math.fma(a, c, -(b * s));
            x[base + half + p] = Math.fma(a, s, b * c);
        }
    }

    /**
     * Adjacent pairs: with {@code y = swap(x)} (neighbours exchanged), even lanes take
     * {@code fma(x, cos, −(y·sin))} and odd lanes {@code fma(y, sin, x·cos)}.
     */
    private void adjacent(float[] x, int base, int t, int dims) {
        int d = 0;
        for (; d + Lanes.FLOATS <= dims; d += Lanes.FLOATS) {
            FloatVector v = FloatVector.fromArray(Lanes.F, x, base + d);
            FloatVector y = v.rearrange(SWAP_PAIRS);
            FloatVector c = FloatVector.fromArray(Lanes.F, cos, t + d);
            FloatVector s = FloatVector.fromArray(Lanes.F, sin, t + d);
            FloatVector even = v.fma(c, y.mul(s).neg());
            FloatVector odd = y.fma(s, v.mul(c));
            even.blend(odd, ODD).intoArray(x, base + d);
        }
        for (; d < dims; d += 2) {
            float a = x[base + d], b = x[base + d + 1], c = cos[t + d], s = sin[t + d];
            x[base + d] = Math.fma(a, c, -(b * s));
            x[base + d + 1] = Math.fma(a, s, b * c);
        }
    }
}
