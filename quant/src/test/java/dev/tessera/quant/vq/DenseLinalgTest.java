package dev.tessera.quant.vq;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseLinalgTest {
    private static double[] randomSpd(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            double s = i == j ? n : 0;
            for (int k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
            a[i * n + j] = s;
        }
        return a;
    }

    @Test
    void upperCholeskyOfInverseSatisfiesDefinition() {
        int n = 23;
        double[] a = randomSpd(n, 1);
        double[] u = DenseLinalg.upperCholeskyOfInverse(a, n);
        // U upper triangular and (UᵀU)·a = I
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) assertEquals(0, u[i * n + j], 0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    double utu = 0;
                    for (int m = 0; m < n; m++) utu += u[m * n + i] * u[m * n + k];
                    s += utu * a[k * n + j];
                }
                assertEquals(i == j ? 1 : 0, s, 1e-9);
            }
        }
    }

    @Test
    void inverseAndSolve() {
        int n = 9;
        double[] a = randomSpd(n, 2);
        double[] inv = DenseLinalg.inverse(a, n);
        double[] b = new double[n];
        for (int i = 0; i < n; i++) b[i] = i - 4;
        double[] x = DenseLinalg.solveSpd(a, b, n);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += inv[i * n + k] * b[k];
            assertEquals(s, x[i], 1e-10);
        }
        double[] l = DenseLinalg.lowerInverse(DenseLinalg.cholesky(a, n), n);
        double[] ch = DenseLinalg.cholesky(a, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += l[i * n + k] * ch[k * n + j];
            assertEquals(i == j ? 1 : 0, s, 1e-12);
        }
    }
}
