package dev.tessera.quant.vq;

/**
 * Second moments of the activations a weight matrix sees, gathered on calibration text: the
 * diagonal {@code E[x_j²]} per input column and, optionally, the full {@code E[x xᵀ]} (cols×cols,
 * row-major). Quantizers weight their error by these ("activation-weighted" / Hessian-aware:
 * the expected output error of {@code ΔW} is {@code tr(ΔW H ΔWᵀ)} with {@code H = E[x xᵀ]}).
 *
 * @param cols input columns of the matrix
 * @param diag {@code E[x_j²]}, length cols
 * @param gram {@code E[x xᵀ]} (cols² entries) or null when only the diagonal is known
 */
public record CalibrationStats(int cols, double[] diag, double[] gram) {
    public CalibrationStats {
        if (diag.length != cols) throw new IllegalArgumentException("calibration diagonal has " + diag.length + " entries, expected " + cols);
        if (gram != null && gram.length != (long) cols * cols) {
            throw new IllegalArgumentException("calibration gram has " + gram.length + " entries, expected " + cols + "²");
        }
    }

    /** Unit statistics: every column equally important, uncorrelated (plain weight MSE). */
    public static CalibrationStats uniform(int cols) {
        double[] d = new double[cols];
        java.util.Arrays.fill(d, 1.0);
        return new CalibrationStats(cols, d, null);
    }

    /** Diagonal-only statistics. */
    public static CalibrationStats ofDiagonal(double[] diag) {
        return new CalibrationStats(diag.length, diag.clone(), null);
    }

    /** Full statistics from {@code E[x xᵀ]}; the diagonal is taken from it. */
    public static CalibrationStats ofGram(int cols, double[] gram) {
        double[] d = new double[cols];
        for (int j = 0; j < cols; j++) d[j] = gram[j * cols + j];
        return new CalibrationStats(cols, d, gram.clone());
    }

    /** {@code H[i][j]} from the gram when present, else the diagonal (0 off the diagonal). */
    public double h(int i, int j) {
        if (gram != null) return gram[i * cols + j];
        return i == j ? diag[i] : 0.0;
    }
}
