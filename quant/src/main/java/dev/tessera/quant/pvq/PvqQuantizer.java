package dev.tessera.quant.pvq;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.quant.vq.VqQuantizer;
import dev.tessera.tensor.TensorType;

/**
 * Pyramid vector quantizer (vector-quantization.md B.5/B.6).
 * Each row is rotated ({@link HadamardRotation}), cut into groups of D, and every group is stored
 * as a pyramid direction ({@link PyramidSearch}) times a relative gain from a per-tensor
 * {@link GainCodebook}; the row norm ρ is kept in FP16.
 *
 * <p>Hessian-aware mode: the error of group B is measured in the metric {@code A = H'_BB}, the
 * diagonal block of the rotated activation second moment {@code H' = R·diag(E[x²])·Rᵀ}; the
 * direction search maximizes {@code (yᵀAw)²/yᵀAy}, the gain is {@code g* = uᵀAw/uᵀAu} and the
 * gain codebook is fitted with weights {@code ρ²uᵀAu}. Plain mode uses A = I (weight MSE).
 * When the statistics carry the full {@code E[x xᵀ]}, the Hessian-aware mode also applies GPTQ's
 * error feedback ({@link GptqMetric}): blocks are coded left to right, each block under its
 * conditional metric, and its error is pushed into the row's later columns; the gain codebook is
 * fitted on a first pass with exact gains and the second pass quantizes against it.
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
        float[] rotated = new float[rows * cols];
        float[] rho = new float[rows];
        float[] w = new float[cols];
        for (int r = 0; r < rows; r++) {
            if (rot != null) rot.apply(weights, r * cols, w);
            else System.arraycopy(weights, r * cols, w, 0, cols);
            System.arraycopy(w, 0, rotated, r * cols, cols);
            double norm2 = 0;
            for (float v : w) norm2 += (double) v * v;
            rho[r] = Float.float16ToFloat(Float.floatToFloat16((float) Math.sqrt(norm2)));
        }
        Coded c = new Coded(rows * groups);
        if (hessianAware && stats.gram() != null) {
            // GPTQ feedback: fit the gain codebook on an exact-gain pass, then redo with quantized gains.
            GptqMetric m = new GptqMetric(stats, rot, d);
            codeWithFeedback(rotated, rows, cols, rho, m, pulses, null, c);
            float[] levels = GainCodebook.fit(c.gamma, c.weight, c.gamma.length, gainBits);
            codeWithFeedback(rotated, rows, cols, rho, m, pulses, levels, c);
            return pack(rows, cols, pulses, rho, levels, c);
        }
        double[][] metric = hessianAware ? metrics(stats, rot) : null;
        GroupCoder coder = new GroupCoder(d, pulses);
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                coder.code(rotated, r * cols + g * d, metric == null ? null : metric[g], rho[r], null);
                c.set(r * groups + g, coder);
            }
        }
        float[] levels = GainCodebook.fit(c.gamma, c.weight, c.gamma.length, gainBits);
        return pack(rows, cols, pulses, rho, levels, c);
    }

    /** Per group of the matrix: pyramid index, exact relative gain and its codebook weight. */
    private static final class Coded {
        final long[] index;
        final double[] gamma, weight;

        Coded(int n) {
            index = new long[n];
            gamma = new double[n];
            weight = new double[n];
        }

        void set(int i, GroupCoder coder) {
            index[i] = coder.index;
            gamma[i] = coder.gamma;
            weight[i] = coder.weight;
        }
    }

    /** Codes one group: direction search (plain or under metric A), A-optimal gain, optional gain quantization. */
    private static final class GroupCoder {
        final int d;
        final PyramidIndex pyramid;
        final PyramidSearch search;
        final int[] y;
        final double[] u;
        final float[] decoded;
        long index;
        double gamma, weight;

        GroupCoder(int d, int pulses) {
            this.d = d;
            this.pyramid = new PyramidIndex(d, pulses);
            this.search = new PyramidSearch(d, pulses);
            this.y = new int[d];
            this.u = new double[d];
            this.decoded = new float[d];
        }

        void code(float[] w, int off, double[] a, float rho, float[] levels) {
            if (a == null) search.search(w, off, y);
            else search.searchWeighted(w, off, a, y);
            index = pyramid.encode(y);
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
            gamma = rho > 0 ? gstar / rho : 0;
            weight = (double) rho * rho * uau + 1e-30;
            double gq = levels == null ? gamma : levels[GainCodebook.nearest(levels, gamma)];
            for (int i = 0; i < d; i++) decoded[i] = (float) (rho * gq * u[i]);
        }
    }

    /** GPTQ order: every row block by block, each block's error pushed into the row's later columns. */
    private void codeWithFeedback(float[] rotated, int rows, int cols, float[] rho, GptqMetric m, int pulses,
                                  float[] levels, Coded out) {
        int d = groupSize, groups = cols / d;
        GroupCoder coder = new GroupCoder(d, pulses);
        double[] w = new double[cols];
        float[] wf = new float[cols];
        double[] err = new double[d];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) w[c] = rotated[r * cols + c];
            for (int g = 0; g < groups; g++) {
                for (int i = 0; i < d; i++) wf[g * d + i] = (float) w[g * d + i];
                coder.code(wf, g * d, m.metric[g], rho[r], levels);
                out.set(r * groups + g, coder);
                for (int i = 0; i < d; i++) err[i] = w[g * d + i] - coder.decoded[i];
                m.propagate(g, err, w);
            }
        }
    }

    private EncodedTensor pack(int rows, int cols, int pulses, float[] rho, float[] levels, Coded c) {
        int groups = cols / groupSize;
        PvqFormat f = new PvqFormat(rows, cols, groupSize, pulses, gainBits, levels, rotate, seed);
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
                LsbBits.write(data, bit, c.index[r * groups + g], ib);
                LsbBits.write(data, bit + ib, GainCodebook.nearest(levels, c.gamma[r * groups + g]), gainBits);
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
