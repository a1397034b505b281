package dev.tessera.quant.pvq;

import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.DenseLinalg;

/**
 * What the GPTQ-style error feedback of vector-quantization.md B.6 needs, in the rotated basis:
 * {@code H' = R·H·Rᵀ} (damped by 1 % of its mean diagonal), the upper factor U with
 * {@code UᵀU = H'⁻¹}, and per group block B of D columns the metric
 * {@code A_B = (U_BBᵀ U_BB)⁻¹} (the conditional Hessian of B given the columns before it) and
 * {@code U_BB⁻¹} (to turn the block's error into the update of the later columns).
 */
final class GptqMetric {
    final int n, d;
    final double[] u;          // n×n upper triangular
    final double[][] metric;   // per block, D×D
    final double[][] uInv;     // per block, U_BB⁻¹ (D×D, upper triangular)

    GptqMetric(CalibrationStats stats, HadamardRotation rot, int d) {
        this.n = stats.cols();
        this.d = d;
        double[] h = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i * n + j] = stats.h(i, j);
        if (rot != null) h = rotate(h, rot);
        double mean = 0;
        for (int i = 0; i < n; i++) mean += h[i * n + i];
        mean /= n;
        for (int i = 0; i < n; i++) h[i * n + i] += 0.01 * mean + 1e-30;
        this.u = DenseLinalg.upperCholeskyOfInverse(h, n);
        int blocks = n / d;
        this.metric = new double[blocks][];
        this.uInv = new double[blocks][];
        for (int b = 0; b < blocks; b++) {
            double[] ubb = new double[d * d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) ubb[i * d + j] = u[(b * d + i) * n + b * d + j];
            double[] utu = new double[d * d];
            for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += ubb[k * d + i] * ubb[k * d + j];
                utu[i * d + j] = s;
            }
            metric[b] = DenseLinalg.inverse(utu, d);
            uInv[b] = DenseLinalg.inverse(ubb, d);
        }
    }

    /** {@code R·H·Rᵀ}: rotate every row (H·Rᵀ), then every row of the transpose. */
    private static double[] rotate(double[] h, HadamardRotation rot) {
        int n = rot.length();
        double[] out = new double[n * n];
        float[] row = new float[n], r2 = new float[n];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) row[j] = (float) h[j * n + i]; // column i = row i of hᵀ
                rot.apply(row, 0, r2);
                for (int j = 0; j < n; j++) out[i * n + j] = r2[j];
            }
            double[] t = h;
            h = out;
            out = t;
        }
        return h;
    }

    /**
     * Propagates the error {@code err} (D values) of block b of one row into the row's later
     * columns: {@code w[rest] −= (err·U_BB⁻¹)·U[B, rest]}.
     */
    void propagate(int b, double[] err, double[] w) {
        double[] e = new double[d];
        double[] ui = uInv[b];
        for (int k = 0; k < d; k++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += err[i] * ui[i * d + k];
            e[k] = s;
        }
        int start = (b + 1) * d;
        for (int k = 0; k < d; k++) {
            double ek = e[k];
            if (ek == 0) continue;
            int rowOff = (b * d + k) * n;
            for (int c = start; c < n; c++) w[c] -= ek * u[rowOff + c];
        }
    }
}
