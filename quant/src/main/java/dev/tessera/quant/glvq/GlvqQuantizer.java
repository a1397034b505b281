package dev.tessera.quant.glvq;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.DenseLinalg;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.quant.vq.VqQuantizer;
import dev.tessera.tensor.TensorType;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Grouped lattice vector quantizer (vector-quantization.md A.2–A.8, companding off).
 * Column groups of {@code groupCols} inputs × all rows share one learned generator
 * ({@link GeneratorFit}); sub-vectors are d consecutive columns of one row.
 *
 * <p>Bit allocation (A.5, the [eng] simplification): with {@code allocate}, every group is fitted
 * at b−1, b and b+1 bits; groups are ranked by salience {@code Σ w²·E[x_j²]}, the top k get b+1,
 * the bottom k get b−1 (the average stays b), and k ∈ [0, groups/2] minimizes the summed
 * activation-weighted loss, scanned exhaustively since every group's loss per width is known.
 * With the full {@code E[x xᵀ]} in the statistics, the groups are then refitted with GPTQ-style
 * error feedback ({@link #feedbackPass}).
 *
 * @param dim        lattice dimension d (8 = the paper's GLVQ-8D)
 * @param groupCols  columns per group (128 in the paper)
 * @param iterations cap on Babai / least-squares alternations per group
 * @param allocate   salience-based mixed widths
 */
public record GlvqQuantizer(int dim, int groupCols, int iterations, boolean allocate) implements VqQuantizer {

    /** GLVQ-8D, groups of 128 columns, 20 alternations, bit allocation on. */
    public static GlvqQuantizer defaults() {
        return new GlvqQuantizer(8, 128, 20, true);
    }

    @Override
    public EncodedTensor quantize(float[] weights, int rows, int cols, CalibrationStats stats, int targetBits) {
        if (weights.length != (long) rows * cols) throw new IllegalArgumentException("weights have " + weights.length + " values, expected " + rows + "×" + cols);
        if (cols % groupCols != 0) throw new IllegalArgumentException("GLVQ: " + cols + " columns are not a multiple of the group width " + groupCols);
        if (stats.cols() != cols) throw new IllegalArgumentException("calibration stats have " + stats.cols() + " columns, the matrix " + cols);
        if (targetBits < 1 || targetBits > 7) throw new IllegalArgumentException("GLVQ --bits must be 1..7, got " + targetBits);
        int groups = cols / groupCols;
        GeneratorFit fitter = new GeneratorFit(dim, groupCols, iterations);
        boolean mixed = allocate && groups >= 2 && targetBits >= 2;
        int[] widths = mixed ? new int[] {targetBits - 1, targetBits, targetBits + 1} : new int[] {targetBits};
        GeneratorFit.Result[][] fits = new GeneratorFit.Result[groups][widths.length];
        double[] salience = new double[groups];
        float[] w = new float[rows * groupCols];
        for (int g = 0; g < groups; g++) {
            for (int r = 0; r < rows; r++) System.arraycopy(weights, r * cols + g * groupCols, w, r * groupCols, groupCols);
            for (int i = 0; i < w.length; i++) salience[g] += (double) w[i] * w[i] * stats.diag()[g * groupCols + i % groupCols];
            double[][] h = blocks(stats, g);
            for (int k = 0; k < widths.length; k++) fits[g][k] = fitter.fit(w, rows, h, widths[k]);
        }
        int[] bits = new int[groups];
        GeneratorFit.Result[] chosen = new GeneratorFit.Result[groups];
        if (mixed) {
            Integer[] order = new Integer[groups];
            for (int g = 0; g < groups; g++) order[g] = g;
            Arrays.sort(order, Comparator.comparingDouble((Integer g) -> -salience[g]));
            int bestK = 0;
            double bestLoss = Double.MAX_VALUE;
            for (int k = 0; k <= groups / 2; k++) {
                double loss = 0;
                for (int i = 0; i < groups; i++) loss += fits[order[i]][i < k ? 2 : i >= groups - k ? 0 : 1].loss();
                if (loss < bestLoss) {
                    bestLoss = loss;
                    bestK = k;
                }
            }
            for (int i = 0; i < groups; i++) {
                int slot = i < bestK ? 2 : i >= groups - bestK ? 0 : 1;
                bits[order[i]] = widths[slot];
                chosen[order[i]] = fits[order[i]][slot];
            }
        } else {
            for (int g = 0; g < groups; g++) {
                bits[g] = targetBits;
                chosen[g] = fits[g][0];
            }
        }
        if (stats.gram() != null) feedbackPass(weights, rows, cols, stats, bits, fitter, chosen);
        float[] gens = new float[groups * dim * dim];
        for (int g = 0; g < groups; g++) System.arraycopy(chosen[g].generator(), 0, gens, g * dim * dim, dim * dim);
        GlvqFormat f = new GlvqFormat(rows, cols, dim, groupCols, bits, gens);
        return new EncodedTensor(TensorType.GLVQ, rows, cols, f.header(), pack(f, chosen));
    }

    /**
     * GPTQ-style refit (A.8 step 5, [eng]): groups left to right, each fitted on the weights as
     * updated by the earlier groups' errors, under the d×d diagonal blocks of its conditional
     * Hessian {@code (U_CCᵀU_CC)⁻¹} ({@code UᵀU = H⁻¹}, H damped by 1 % of its mean diagonal);
     * its error then moves into the later columns: {@code W[:, rest] −= ΔW_C·U_CC⁻¹·U[C, rest]}.
     * The widths chosen by the allocation pass are kept.
     */
    private void feedbackPass(float[] weights, int rows, int cols, CalibrationStats stats, int[] bits,
                              GeneratorFit fitter, GeneratorFit.Result[] chosen) {
        double[] h = stats.gram().clone();
        double mean = 0;
        for (int i = 0; i < cols; i++) mean += h[i * cols + i];
        for (int i = 0; i < cols; i++) h[i * cols + i] += 0.01 * mean / cols + 1e-30;
        double[] u = DenseLinalg.upperCholeskyOfInverse(h, cols);
        float[] work = weights.clone();
        int gc = groupCols, subs = gc / dim;
        float[] w = new float[rows * gc];
        double[] err = new double[gc], e = new double[gc];
        for (int g = 0; g < cols / gc; g++) {
            int c0 = g * gc;
            double[] ucc = new double[gc * gc];
            for (int i = 0; i < gc; i++) for (int j = 0; j < gc; j++) ucc[i * gc + j] = u[(c0 + i) * cols + c0 + j];
            double[] utu = new double[gc * gc];
            for (int i = 0; i < gc; i++) for (int j = 0; j < gc; j++) {
                double sum = 0;
                for (int k = 0; k <= Math.min(i, j); k++) sum += ucc[k * gc + i] * ucc[k * gc + j];
                utu[i * gc + j] = sum;
            }
            double[] cond = DenseLinalg.inverse(utu, gc);
            double[][] blocks = new double[subs][dim * dim];
            for (int s = 0; s < subs; s++) {
                for (int i = 0; i < dim; i++) for (int k = 0; k < dim; k++) blocks[s][i * dim + k] = cond[(s * dim + i) * gc + s * dim + k];
            }
            for (int r = 0; r < rows; r++) System.arraycopy(work, r * cols + c0, w, r * gc, gc);
            GeneratorFit.Result fit = fitter.fit(w, rows, blocks, bits[g]);
            chosen[g] = fit;
            if (c0 + gc == cols) break;
            double[] uinv = DenseLinalg.inverse(ucc, gc);
            float[] gen = fit.generator();
            double c = GlvqFormat.offset(bits[g]);
            for (int r = 0; r < rows; r++) {
                for (int s = 0; s < subs; s++) {
                    for (int i = 0; i < dim; i++) {
                        double v = 0;
                        for (int k = 0; k < dim; k++) v += gen[i * dim + k] * (fit.codes()[r * gc + s * dim + k] - c);
                        err[s * dim + i] = w[r * gc + s * dim + i] - v;
                    }
                }
                for (int k = 0; k < gc; k++) {
                    double sum = 0;
                    for (int i = 0; i <= k; i++) sum += err[i] * uinv[i * gc + k];
                    e[k] = sum;
                }
                for (int k = 0; k < gc; k++) {
                    if (e[k] == 0) continue;
                    int urow = (c0 + k) * cols;
                    for (int col = c0 + gc; col < cols; col++) work[r * cols + col] -= (float) (e[k] * u[urow + col]);
                }
            }
        }
    }

    /** Writes every group's codes into the A.7 row layout. */
    static byte[] pack(GlvqFormat f, GeneratorFit.Result[] chosen) {
        int rowBytes = f.rowBytes();
        int gc = f.groupCols();
        byte[] data = new byte[f.rows() * rowBytes];
        for (int g = 0; g < f.groups(); g++) {
            int b = f.bits()[g];
            int[] codes = chosen[g].codes();
            long off = f.groupOffset(g) * 8L;
            for (int r = 0; r < f.rows(); r++) {
                long base = (long) r * rowBytes * 8 + off;
                for (int j = 0; j < gc; j++) LsbBits.write(data, base + (long) j * b, codes[r * gc + j], b);
            }
        }
        return data;
    }

    /** Per sub-vector position s of group g, the d×d block of H over its columns. */
    private double[][] blocks(CalibrationStats stats, int g) {
        int subs = groupCols / dim;
        double[][] h = new double[subs][dim * dim];
        for (int s = 0; s < subs; s++) {
            int c0 = g * groupCols + s * dim;
            for (int i = 0; i < dim; i++) for (int k = 0; k < dim; k++) h[s][i * dim + k] = stats.h(c0 + i, c0 + k);
        }
        return h;
    }

    @Override
    public float[] dequantize(EncodedTensor tensor) {
        return GlvqFormat.of(tensor).dequantize(tensor.data());
    }
}
