package dev.tessera.quant.pvq;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PyramidSearchTest {
    private static double cosine(float[] x, int[] y) {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.length; i++) {
            xy += x[i] * y[i];
            xx += x[i] * x[i];
            yy += (double) y[i] * y[i];
        }
        return xy / Math.sqrt(xx * yy);
    }

    private static int[] search(float[] x, int k) {
        int[] y = new int[x.length];
        new PyramidSearch(x.length, k).search(x, 0, y);
        return y;
    }

    @Test
    void specCases() {
        float[] a = {0.9f, -0.3f, 0.2f, 0.05f};
        int[] ya = search(a, 4);
        assertArrayEquals(new int[] {3, -1, 0, 0}, ya);
        assertEquals(0.9772, cosine(a, ya), 1e-4);
        assertEquals(183, new PyramidIndex(4, 4).encode(ya));

        float[] b = {0.1f, 0.7f, -0.7f, 0.1f};
        int[] yb = search(b, 2);
        assertArrayEquals(new int[] {0, 1, -1, 0}, yb);
        assertEquals(0.9899, cosine(b, yb), 1e-4);
        assertEquals(11, new PyramidIndex(4, 2).encode(yb));

        float[] c = {0.5f, 0.4f, -0.3f, 0.2f, -0.1f, 0f};
        int[] yc = search(c, 5);
        assertArrayEquals(new int[] {2, 1, -1, 1, 0, 0}, yc);
        assertEquals(0.9683, cosine(c, yc), 1e-4);
        assertEquals(2018, new PyramidIndex(6, 5).encode(yc));
    }

    @Test
    void greedyMatchesExhaustiveOnSmallCases() {
        SplittableRandom r = new SplittableRandom(7);
        int cases = 0, optimal = 0;
        for (int n = 2; n <= 5; n++) {
            for (int k = 1; k <= 5; k++) {
                List<int[]> pts = PyramidIndexTest.allPoints(n, k);
                for (int t = 0; t < 40; t++) {
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
                    double best = -2;
                    for (int[] p : pts) best = Math.max(best, cosine(x, p));
                    double got = cosine(x, search(x, k));
                    cases++;
                    if (got >= best - 1e-9) optimal++;
                    assertTrue(got >= best - 0.02, "greedy far from the optimum: " + got + " vs " + best);
                }
            }
        }
        assertTrue(optimal >= cases * 0.97, "greedy optimal in only " + optimal + " of " + cases + " cases");
    }

    @Test
    void weightedSearchWithIdentityMetricEqualsPlain() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 16, k = 22;
        double[] eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        PyramidSearch s = new PyramidSearch(n, k);
        int[] a = new int[n], b = new int[n];
        for (int t = 0; t < 200; t++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
            s.search(x, 0, a);
            s.searchWeighted(x, 0, eye, b);
            assertEquals(cosine(x, a), cosine(x, b), 1e-9);
        }
    }

    /** SNR with the unquantized optimal gain on i.i.d. N(0,1) vectors (spec B.8, ±0.2 dB). */
    @Test
    void snrWithExactGainMatchesSpec() {
        assertEquals(12.70, snr(8, 8), 0.2);
        assertEquals(15.91, snr(8, 12), 0.2);
        assertEquals(15.46, snr(16, 22), 0.2);
        assertEquals(20.44, snr(16, 40), 0.2);
        assertEquals(10.04, snr(32, 21), 0.2);
    }

    private static double snr(int n, int k) {
        SplittableRandom r = new SplittableRandom(0);
        PyramidSearch s = new PyramidSearch(n, k);
        int[] y = new int[n];
        float[] x = new float[n];
        double sig = 0, err = 0;
        for (int t = 0; t < 4000; t++) {
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
            s.search(x, 0, y);
            double xx = 0;
            for (float v : x) xx += v * v;
            double c = cosine(x, y);
            sig += xx;
            err += xx * (1 - c * c);
        }
        return 10 * Math.log10(sig / err);
    }
}
