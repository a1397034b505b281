package dev.tessera.quant.pvq;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class PyramidCountTest {
    // vector-quantization.md B.2, rows N = 0..8, columns K = 0..8.
    private static final long[][] SPEC = {
            {1, 0, 0, 0, 0, 0, 0, 0, 0},
            {1, 2, 2, 2, 2, 2, 2, 2, 2},
            {1, 4, 8, 12, 16, 20, 24, 28, 32},
            {1, 6, 18, 38, 66, 102, 146, 198, 258},
            {1, 8, 32, 88, 192, 360, 608, 952, 1408},
            {1, 10, 50, 170, 450, 1002, 1970, 3530, 5890},
            {1, 12, 72, 292, 912, 2364, 5336, 10836, 20256},
            {1, 14, 98, 462, 1666, 4942, 12642, 28814, 59906},
            {1, 16, 128, 688, 2816, 9424, 27008, 68464, 157184},
    };

    @Test
    void smallTableMatchesSpec() {
        PyramidCount v = new PyramidCount(8, 8);
        for (int n = 0; n <= 8; n++) for (int k = 0; k <= 8; k++) assertEquals(SPEC[n][k], v.count(n, k), "V(" + n + "," + k + ")");
    }

    @Test
    void largerValuesMatchSpec() {
        assertEquals(30_316_544L, new PyramidCount(16, 8).count(16, 8));
        assertEquals(4_921_911_787_962_368L, new PyramidCount(32, 16).count(32, 16));
    }

    @Test
    void recurrenceEqualsClosedForm() {
        PyramidCount v = new PyramidCount(39, 12);
        for (int n = 0; n < 40; n++) {
            for (int k = 0; k < 40; k++) {
                BigInteger closed = closedForm(n, k);
                if (closed.bitLength() > 62) continue;
                long table = k <= 12 ? v.count(n, k) : new PyramidCount(Math.max(n, 1), k).count(n, k);
                assertEquals(closed.longValueExact(), table, "V(" + n + "," + k + ")");
            }
        }
    }

    /** Σ_{i=1}^{min(N,K)} 2^i C(N,i) C(K−1,i−1), written independently of the recurrence. */
    private static BigInteger closedForm(int n, int k) {
        if (k == 0) return BigInteger.ONE;
        BigInteger s = BigInteger.ZERO;
        for (int i = 1; i <= Math.min(n, k); i++) s = s.add(BigInteger.TWO.pow(i).multiply(binom(n, i)).multiply(binom(k - 1, i - 1)));
        return s;
    }

    private static BigInteger binom(int n, int r) {
        BigInteger b = BigInteger.ONE;
        for (int i = 0; i < r; i++) b = b.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        return b;
    }

    @Test
    void longLimitsMatchSpec() {
        assertTrue(PyramidCount.fitsLong(16, 56));
        assertFalse(PyramidCount.fitsLong(16, 57));
        assertTrue(PyramidCount.fitsLong(32, 21));
        assertFalse(PyramidCount.fitsLong(32, 22));
        assertTrue(PyramidCount.fitsLong(64, 14));
        assertFalse(PyramidCount.fitsLong(64, 15));
    }

    @Test
    void indexBits() {
        assertEquals(0, PyramidCount.indexBits(1));
        assertEquals(1, PyramidCount.indexBits(2));
        assertEquals(12, PyramidCount.indexBits(2816)); // V(8,4): 2^11 < 2816 ≤ 2^12
        assertEquals(12, PyramidCount.indexBits(4096));
    }
}
