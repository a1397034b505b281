package dev.tessera.quant.pvq;

/**
 * The table {@code V(n, k)} = number of integer vectors of length n with L1 norm exactly k
 * (points of the pyramid S(n, k)), for all n ≤ N, k ≤ K. Built by the recurrence
 * {@code V(n,k) = V(n−1,k) + V(n−1,k−1) + V(n,k−1)}, {@code V(n,0) = 1}, {@code V(0,k≥1) = 0}
 * (Fischer 1986). Only tables whose largest entry fits a signed long are accepted.
 */
public final class PyramidCount {
    private final int maxN;
    private final int maxK;
    private final long[] v; // row n, column k: v[n * (maxK + 1) + k]

    public PyramidCount(int maxN, int maxK) {
        if (maxN < 1 || maxK < 0) throw new IllegalArgumentException("pyramid table needs N >= 1 and K >= 0, got N=" + maxN + " K=" + maxK);
        this.maxN = maxN;
        this.maxK = maxK;
        int w = maxK + 1;
        v = new long[(maxN + 1) * w];
        for (int n = 0; n <= maxN; n++) v[n * w] = 1;
        for (int n = 1; n <= maxN; n++) {
            for (int k = 1; k <= maxK; k++) {
                long s = Math.addExact(Math.addExact(v[(n - 1) * w + k], v[(n - 1) * w + k - 1]), v[n * w + k - 1]);
                v[n * w + k] = s;
            }
        }
    }

    /** V(n, k) for n ≤ N, k ≤ K. */
    public long count(int n, int k) {
        return v[n * (maxK + 1) + k];
    }

    public int maxN() { return maxN; }

    public int maxK() { return maxK; }

    /** Bits needed to store an index into S(N, K): ⌈log2 V(N, K)⌉. */
    public static int indexBits(long count) {
        return count <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(count - 1);
    }

    /** Whether V(n, k) fits a signed long (the recurrence would overflow otherwise). */
    public static boolean fitsLong(int n, int k) {
        try {
            new PyramidCount(n, k);
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }
}
