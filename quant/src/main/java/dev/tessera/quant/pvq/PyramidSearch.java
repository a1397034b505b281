package dev.tessera.quant.pvq;

/**
 * Shape search: the pyramid point {@code y ∈ S(N,K)} whose direction best matches a real vector.
 * Projection pre-search followed by greedy one-pulse-at-a-time allocation, the structure of
 * Opus's {@code op_pvq_search_c} (vector-quantization.md B.4). Not guaranteed optimal; tests
 * compare it with exhaustive search on small cases.
 *
 * <p>The weighted variant maximizes {@code (yᵀAw)² / (yᵀAy)} for a symmetric positive definite
 * metric A (the block of the activation Hessian), which is the error reduction of the best gain
 * under {@code ‖e‖²_A}. Both keep the signs of {@code w}. Instances hold scratch arrays: one per thread.
 */
public final class PyramidSearch {
    private final int n;
    private final int k;
    private final double[] abs;
    private final double[] ay;

    public PyramidSearch(int n, int k) {
        this.n = n;
        this.k = k;
        this.abs = new double[n];
        this.ay = new double[n];
    }

    /** Greedy search maximizing the cosine between {@code w[off..off+N)} and y; writes y. */
    public void search(float[] w, int off, int[] y) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            abs[i] = Math.abs(w[off + i]);
            sum += abs[i];
            y[i] = 0;
        }
        if (!(sum > 1e-30)) {
            y[0] = k;
            return;
        }
        int used = 0;
        if (k > n / 2) {
            // Floor projection onto the pyramid: undershoots, so at most N pulses remain.
            double scale = (k + 0.8) / sum;
            for (int i = 0; i < n; i++) {
                y[i] = (int) Math.floor(abs[i] * scale);
                used += y[i];
            }
        }
        double xy = 0, yy = 0;
        for (int i = 0; i < n; i++) {
            xy += abs[i] * y[i];
            yy += (double) y[i] * y[i];
        }
        for (int p = used; p < k; p++) {
            int best = 0;
            double bestNum = -1, bestDen = 1;
            for (int i = 0; i < n; i++) {
                double num = xy + abs[i];
                num *= num;
                double den = yy + 2.0 * y[i] + 1;
                if (num * bestDen > bestNum * den) {
                    bestNum = num;
                    bestDen = den;
                    best = i;
                }
            }
            xy += abs[best];
            yy += 2.0 * y[best] + 1;
            y[best]++;
        }
        for (int i = 0; i < n; i++) if (w[off + i] < 0) y[i] = -y[i];
    }

    /**
     * Greedy search under the metric {@code a} (N×N row-major, symmetric positive definite):
     * starts from the plain projection, then adds pulses maximizing {@code (yᵀAw)²/(yᵀAy)}.
     */
    public void searchWeighted(float[] w, int off, double[] a, int[] y) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            abs[i] = Math.abs(w[off + i]);
            sum += abs[i];
            y[i] = 0;
        }
        if (!(sum > 1e-30)) {
            y[0] = k;
            return;
        }
        int used = 0;
        if (k > n / 2) {
            double scale = (k + 0.8) / sum;
            for (int i = 0; i < n; i++) {
                y[i] = (int) Math.floor(abs[i] * scale);
                used += y[i];
            }
        }
        for (int i = 0; i < n; i++) if (w[off + i] < 0) y[i] = -y[i];
        // aw_i = (A w)_i with signs folded in: a pulse on i moves y by s_i·e_i.
        double xy = 0, yy = 0;
        for (int i = 0; i < n; i++) {
            double s = 0, t = 0;
            for (int j = 0; j < n; j++) {
                s += a[i * n + j] * w[off + j];
                t += a[i * n + j] * y[j];
            }
            abs[i] = s;
            ay[i] = t;
            xy += y[i] * s;
            yy += y[i] * t;
        }
        for (int p = used; p < k; p++) {
            int best = -1;
            double bestNum = -1, bestDen = 1;
            for (int i = 0; i < n; i++) {
                double sgn = w[off + i] < 0 ? -1 : 1;
                double num = xy + sgn * abs[i];
                num *= num;
                double den = yy + 2.0 * sgn * ay[i] + a[i * n + i];
                if (den > 0 && num * bestDen > bestNum * den) {
                    bestNum = num;
                    bestDen = den;
                    best = i;
                }
            }
            double sgn = w[off + best] < 0 ? -1 : 1;
            xy += sgn * abs[best];
            yy += 2.0 * sgn * ay[best] + a[best * n + best];
            for (int i = 0; i < n; i++) ay[i] += sgn * a[i * n + best];
            y[best] += (int) sgn;
        }
    }
}
