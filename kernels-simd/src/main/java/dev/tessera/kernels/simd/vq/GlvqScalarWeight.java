package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.glvq.GlvqFormat;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;

/**
 * Plain scalar reference of the fused GLVQ product, reading the stored A.7 bitstream bit by bit:
 * {@code y_r = Σ_g (Σ_j u_j t_j − c_b Σ_j t_j)} with {@code t_s = G_gᵀ x_s} (vector-quantization.md
 * A.9). The pair of {@link GlvqWeight}.
 */
public final class GlvqScalarWeight implements VqWeight {
    private final String name;
    private final GlvqFormat f;
    private final byte[] data;
    private final float[] t, sums;

    public GlvqScalarWeight(String name, EncodedTensor e) {
        this.name = name;
        this.f = GlvqFormat.of(e);
        this.data = e.data();
        this.t = new float[e.cols()];
        this.sums = new float[f.groups()];
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.GLVQ; }
    @Override public long rows() { return f.rows(); }
    @Override public long cols() { return f.cols(); }

    /** {@code t = G_gᵀ x} per sub-vector, in column order, and the per-group sums of t. */
    static void prepare(GlvqFormat f, float[] x, int xOff, float[] t, int tOff, float[] sums, int sOff) {
        int d = f.dim(), gc = f.groupCols();
        float[] gens = f.generators();
        for (int g = 0; g < f.groups(); g++) {
            float sum = 0;
            for (int c0 = g * gc; c0 < (g + 1) * gc; c0 += d) {
                for (int i = 0; i < d; i++) {
                    float v = 0;
                    for (int k = 0; k < d; k++) v += gens[(g * d + k) * d + i] * x[xOff + c0 + k];
                    t[tOff + c0 + i] = v;
                    sum += v;
                }
            }
            sums[sOff + g] = sum;
        }
    }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        prepare(f, x, 0, t, 0, sums, 0);
        for (int r = rowStart; r < rowEnd; r++) y[r] = row(r, t, 0, sums, 0);
    }

    @Override
    public void matMul(float[] x, int n, float[] y) {
        int rows = f.rows(), cols = f.cols();
        float[] tb = new float[cols], sb = new float[f.groups()];
        for (int i = 0; i < n; i++) {
            prepare(f, x, i * cols, tb, 0, sb, 0);
            for (int r = 0; r < rows; r++) y[i * rows + r] = row(r, tb, 0, sb, 0);
        }
    }

    private float row(int r, float[] tv, int tOff, float[] sv, int sOff) {
        int gc = f.groupCols();
        float acc = 0;
        for (int g = 0; g < f.groups(); g++) {
            int b = f.bits()[g];
            long base = ((long) r * f.rowBytes() + f.groupOffset(g)) * 8;
            float dot = 0;
            for (int j = 0; j < gc; j++) {
                long p = base + (long) j * b;
                int v = 0;
                for (int i = 0; i < b; i++) v |= ((data[(int) ((p + i) >>> 3)] >>> ((p + i) & 7)) & 1) << i;
                dot += v * tv[tOff + g * gc + j];
            }
            acc += dot - (float) GlvqFormat.offset(b) * sv[sOff + g];
        }
        return acc;
    }
}
