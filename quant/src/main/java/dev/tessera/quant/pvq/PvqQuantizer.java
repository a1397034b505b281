package dev.tessera.quant.pvq;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.quant.vq.VqQuantizer;
import dev.tessera.tensor.TensorType;

/**
 * Pyramid vector quantizer (vector-quantization.md B.5/B.6, without GPTQ error feedback).
 * Each row is rotated ({@link HadamardRotation}), cut into groups of D, and every group is stored
 * as a pyramid direction ({@link PyramidSearch}) times a relative gain from a per-tensor
 * {@link GainCodebook}; the row norm ρ is kept in FP16.
 *
 * <p>Hessian-aware mode: the error of group B is measured in the metric {@code A = H'_BB}, the
 * diagonal block of the rotated activation second moment {@code H' = R·diag(E[x²])·Rᵀ}; the
 * direction search maximizes {@code (yᵀAw)²/yᵀAy}, the gain is {@code g* = uᵀAw/uᵀAu} and the
 * gain codebook is fitted with weights {@code ρ²uᵀAu}. Plain mode uses A = I (weight MSE).
 *
 * @param groupSize D (16 recommended: the index of D=16 fits a long for K ≤ 56)
 * @param gainBits  b_a
 * @param rotate    apply the Hadamard rotation
 * @param hessianAware use the calibration statistics' diagonal as described above
 * @param seed      rotation seed
 */
public record PvqQuantizer(int groupSize, int gainBits, boolean rotate, boolean hessianAware, long seed)
        implements VqQuantizer {

    /** D = 16, 4-bit gains, rotation on, Hessian-aware. */
    public static PvqQuantizer defaults() {
        return new PvqQuantizer(16, 4, true, true, 0x5EEDL);
    }

    /**
     * The largest K whose group code ({@code ⌈log2 V(D,K)⌉ + b_a} bits) fits {@code targetBits·D}
     * bits and whose index fits a long.
     */
    public int pulsesFor(int targetBits) {
        int budget = targetBits * groupSize - gainBits;
        int best = -1;
        for (int k = 1; PyramidCount.fitsLong(groupSize, k); k++) {
            long v = new PyramidCount(groupSize, k).count(groupSize, k);
            if (PyramidCount.indexBits(v) <= Math.min(budget, 63)) best = k;
            else break;
        }
        if (best < 1) throw new IllegalArgumentException("--bits " + targetBits + " leaves no room for a PVQ index with D=" + groupSize);
        return best;
    }

    @Override
    public EncodedTensor quantize(float[] weights, int rows, int cols, CalibrationStats stats, int targetBits) {
        return quantizeWithPulses(weights, rows, cols, stats, pulsesFor(targetBits));
    }

    /** Quantizes with an explicit pulse count K. */
    public EncodedTensor quantizeWithPulses(float[] weights, int rows, int cols, CalibrationStats stats, int pulses) {
        if (weights.length != (long) rows * cols) throw new IllegalArgumentException("weights have " + weights.length + " values, expected " + rows + "×" + cols);
        if (cols % groupSize != 0) throw new IllegalArgumentException("PVQ: " + cols + " columns are not a multiple of the group size " + groupSize);
        if (stats.cols() != cols) throw new IllegalArgumentException("calibration stats have " + stats.cols() + " columns, the matrix " + cols);
        int d = groupSize;
        int groups = cols / d;
        HadamardRotation rot = rotate ? new HadamardRotation(cols, seed) : null;
        double[][] metric = hessianAware ? metrics(stats, rot) : null;

        PyramidIndex index = new PyramidIndex(d, pulses);
        PyramidSearch search = new PyramidSearch(d, pulses);
        long[] indices = new long[rows * groups];
        double[] gamma = new double[rows * groups];
        double[] weight = new double[rows * groups];
        float[] rho = new float[rows];
        float[] w = new float[cols];
        int[] y = new int[d];
        double[] u = new double[d];
        for (int r = 0; r < rows; r++) {
            if (rot != null) rot.apply(weights, r * cols, w);
            else System.arraycopy(weights, r * cols, w, 0, cols);
            double norm2 = 0;
            for (float v : w) norm2 += (double) v * v;
            rho[r] = Float.float16ToFloat(Float.floatToFloat16((float) Math.sqrt(norm2)));
            for (int g = 0; g < groups; g++) {
                int off = g * d;
                double[] a = metric == null ? null : metric[g];
                if (a == null) search.search(w, off, y);
                else search.searchWeighted(w, off, a, y);
                indices[r * groups + g] = index.encode(y);
                double n2 = 0;
                for (int v : y) n2 += (double) v * v;
                double inv = 1 / Math.sqrt(n2);
                for (int i = 0; i < d; i++) u[i] = y[i] * inv;
                double uaw = 0, uau = 0;
                if (a == null) {
                    for (int i = 0; i < d; i++) uaw += u[i] * w[off + i];
                    uau = 1;
                } else {
                    for (int i = 0; i < d; i++) {
                        double au = 0, aw = 0;
                        for (int j = 0; j < d; j++) {
                            au += a[i * d + j] * u[j];
                            aw += a[i * d + j] * w[off + j];
                        }
                        uaw += u[i] * aw;
                        uau += u[i] * au;
                    }
                }
                double gstar = uau > 0 ? uaw / uau : 0;
                gamma[r * groups + g] = rho[r] > 0 ? gstar / rho[r] : 0;
                weight[r * groups + g] = (double) rho[r] * rho[r] * uau + 1e-30;
            }
        }
        float[] levels = GainCodebook.fit(gamma, weight, gamma.length, gainBits);
        PvqFormat f = new PvqFormat(rows, cols, d, pulses, gainBits, levels, rotate, seed);
        int ib = f.indexBits();
        int rowBytes = f.rowBytes();
        byte[] data = new byte[rows * rowBytes];
        for (int r = 0; r < rows; r++) {
            int start = r * rowBytes;
            short h = Float.floatToFloat16(rho[r]);
            data[start] = (byte) h;
            data[start + 1] = (byte) (h >> 8);
            long base = (start + 2L) * 8;
            for (int g = 0; g < groups; g++) {
                long bit = base + (long) g * (ib + gainBits);
                LsbBits.write(data, bit, indices[r * groups + g], ib);
                LsbBits.write(data, bit + ib, GainCodebook.nearest(levels, gamma[r * groups + g]), gainBits);
            }
        }
        return new EncodedTensor(TensorType.PVQ, rows, cols, f.header(), data);
    }

    @Override
    public float[] dequantize(EncodedTensor tensor) {
        return PvqFormat.of(tensor).dequantize(tensor.data());
    }

    /** Per-group D×D metrics: rotated diagonal blocks of H, or the unrotated blocks of H itself. */
    private double[][] metrics(CalibrationStats stats, HadamardRotation rot) {
        if (rot != null) return rot.rotatedDiagonalBlocks(stats.diag(), groupSize);
        int d = groupSize;
        double[][] out = new double[stats.cols() / d][];
        for (int g = 0; g < out.length; g++) {
            double[] m = new double[d * d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) m[i * d + j] = stats.h(g * d + i, g * d + j);
            out[g] = m;
        }
        return out;
    }
}
