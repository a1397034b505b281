package dev.tessera.quant.vq;

/** Dense double-precision linear algebra for the quantizers' small and Hessian-sized systems. Row-major. */
public final class DenseLinalg {
    private DenseLinalg() {}

    /** Lower Cholesky factor of the SPD matrix a (n×n); throws if a is not positive definite. */
    public static double[] cholesky(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(s > 0)) throw new ArithmeticException("matrix is not positive definite");
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** Solves a·x = b for SPD a by Cholesky. */
    public static double[] solveSpd(double[] a, double[] b, int n) {
        double[] l = cholesky(a, n);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * y[k];
            y[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    /** Inverse by Gauss–Jordan elimination with partial pivoting; throws if a is (numerically) singular. */
    public static double[] inverse(double[] a, int n) {
        double[] m = a.clone();
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
            double piv = m[p * n + c];
            if (Math.abs(piv) < 1e-300) throw new ArithmeticException("matrix is singular");
            if (p != c) {
                swapRows(m, n, p, c);
                swapRows(inv, n, p, c);
            }
            double s = 1 / piv;
            for (int j = 0; j < n; j++) {
                m[c * n + j] *= s;
                inv[c * n + j] *= s;
            }
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = m[r * n + c];
                if (f == 0) continue;
                for (int j = 0; j < n; j++) {
                    m[r * n + j] -= f * m[c * n + j];
                    inv[r * n + j] -= f * inv[c * n + j];
                }
            }
        }
        return inv;
    }

    private static void swapRows(double[] m, int n, int a, int b) {
        for (int j = 0; j < n; j++) {
            double t = m[a * n + j];
            m[a * n + j] = m[b * n + j];
            m[b * n + j] = t;
        }
    }

    /** Inverse of a lower-triangular matrix (n×n), row by row so the inner loops run along rows. */
    public static double[] lowerInverse(double[] l, int n) {
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            int ri = i * n;
            for (int k = 0; k < i; k++) {
                double f = l[ri + k];
                if (f == 0) continue;
                int rk = k * n;
                for (int j = 0; j <= k; j++) inv[ri + j] -= f * inv[rk + j];
            }
            inv[ri + i] += 1;
            double d = 1 / l[ri + i];
            for (int j = 0; j <= i; j++) inv[ri + j] *= d;
        }
        return inv;
    }

    /**
     * The upper-triangular U with {@code UᵀU = a⁻¹} for SPD a (GPTQ's factor: row j of U holds the
     * conditional inverse Hessian of columns ≥ j).
     */
    public static double[] upperCholeskyOfInverse(double[] a, int n) {
        double[] linv = lowerInverse(cholesky(a, n), n);
        // a⁻¹ = L⁻ᵀ L⁻¹ = Σ_k (row k of L⁻¹)ᵀ (row k of L⁻¹)
        double[] ainv = new double[n * n];
        for (int k = 0; k < n; k++) {
            int rk = k * n;
            for (int i = 0; i <= k; i++) {
                double f = linv[rk + i];
                if (f == 0) continue;
                int ri = i * n;
                for (int j = 0; j <= i; j++) ainv[ri + j] += f * linv[rk + j];
            }
        }
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) ainv[j * n + i] = ainv[i * n + j];
        double[] l2 = cholesky(ainv, n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) u[j * n + i] = l2[i * n + j];
        return u;
    }
}
