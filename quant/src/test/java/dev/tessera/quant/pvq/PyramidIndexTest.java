package dev.tessera.quant.pvq;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PyramidIndexTest {
    /** All points of S(n,k) by brute force over the box [−k,k]^n. */
    static List<int[]> allPoints(int n, int k) {
        List<int[]> out = new ArrayList<>();
        int[] y = new int[n];
        fill(y, 0, k, out);
        return out;
    }

    private static void fill(int[] y, int i, int k, List<int[]> out) {
        if (i == y.length) {
            int s = 0;
            for (int v : y) s += Math.abs(v);
            if (s == k) out.add(y.clone());
            return;
        }
        for (int v = -k; v <= k; v++) {
            y[i] = v;
            fill(y, i + 1, k, out);
        }
    }

    @Test
    void bijectionOnAllSmallPyramids() {
        for (int n = 1; n <= 5; n++) {
            for (int k = 0; k <= 5; k++) {
                PyramidIndex idx = new PyramidIndex(n, k);
                List<int[]> pts = allPoints(n, k);
                assertEquals(pts.size(), idx.size(), "V(" + n + "," + k + ") vs brute-force count");
                boolean[] seen = new boolean[pts.size()];
                int[] back = new int[n];
                for (int[] p : pts) {
                    long b = idx.encode(p);
                    assertTrue(b >= 0 && b < pts.size(), "index in range");
                    assertFalse(seen[(int) b], "index " + b + " used twice");
                    seen[(int) b] = true;
                    idx.decode(b, back);
                    assertArrayEquals(p, back);
                }
            }
        }
    }

    @Test
    void specExamples() {
        PyramidIndex i33 = new PyramidIndex(3, 3);
        assertEquals(0, i33.encode(new int[] {0, 0, 3}));
        assertEquals(3, i33.encode(new int[] {0, 1, -2}));
        assertEquals(16, i33.encode(new int[] {1, -1, 1}));
        assertEquals(29, i33.encode(new int[] {2, 0, -1}));
        assertEquals(37, i33.encode(new int[] {-3, 0, 0}));
        assertEquals(183, new PyramidIndex(4, 4).encode(new int[] {3, -1, 0, 0}));
        assertEquals(2018, new PyramidIndex(6, 5).encode(new int[] {2, 1, -1, 1, 0, 0}));
    }

    @Test
    void largeIndexRoundTrip() {
        PyramidIndex idx = new PyramidIndex(16, 48);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        int[] y = new int[16];
        for (int t = 0; t < 2000; t++) {
            long b = r.nextLong(idx.size());
            idx.decode(b, y);
            int s = 0;
            for (int v : y) s += Math.abs(v);
            assertEquals(48, s);
            assertEquals(b, idx.encode(y));
        }
    }

    @Test
    void rejectsWrongPulseCount() {
        assertThrows(IllegalArgumentException.class, () -> new PyramidIndex(3, 3).encode(new int[] {1, 1, 0}));
    }
}
