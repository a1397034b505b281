package dev.tessera.quant.pvq;

/**
 * Fischer-style enumeration of the pyramid S(N, K): a bijection between its points and
 * {@code [0, V(N,K))}. Coordinates are walked left to right; for one coordinate with k pulses
 * left, the values are ordered {@code 0, +1, −1, +2, −2, …, +k, −k}, and the index counts the
 * points whose prefix precedes the current one (vector-quantization.md B.3; not Opus's CWRS order).
 */
public final class PyramidIndex {
    private final int n;
    private final int k;
    private final PyramidCount table;

    public PyramidIndex(int n, int k) {
        this.n = n;
        this.k = k;
        this.table = new PyramidCount(n, k);
    }

    public int dimension() { return n; }

    public int pulses() { return k; }

    /** V(N, K): the number of points. */
    public long size() { return table.count(n, k); }

    public PyramidCount table() { return table; }

    /** Index of {@code y ∈ S(N,K)}. */
    public long encode(int[] y) {
        if (y.length != n) throw new IllegalArgumentException("pyramid vector has length " + y.length + ", expected " + n);
        long b = 0;
        int left = k;
        for (int i = 0; i < n; i++) {
            int rest = n - i - 1;
            int a = Math.abs(y[i]);
            if (a == 0) continue;
            if (a > left) throw new IllegalArgumentException("pyramid vector has more than K=" + k + " pulses");
            b += table.count(rest, left);
            for (int t = 1; t < a; t++) b += 2 * table.count(rest, left - t);
            if (y[i] < 0) b += table.count(rest, left - a);
            left -= a;
        }
        if (left != 0) throw new IllegalArgumentException("pyramid vector has " + (k - left) + " pulses, expected K=" + k);
        return b;
    }

    /** Writes the point with index {@code b} into {@code y} (length N). */
    public void decode(long b, int[] y) {
        if (b < 0 || b >= size()) throw new IllegalArgumentException("pyramid index " + b + " outside [0, " + size() + ")");
        int left = k;
        for (int i = 0; i < n; i++) {
            int rest = n - i - 1;
            long zero = table.count(rest, left);
            if (b < zero) {
                y[i] = 0;
                continue;
            }
            b -= zero;
            int t = 1;
            while (true) {
                long c = table.count(rest, left - t);
                if (b < c) { y[i] = t; break; }
                b -= c;
                if (b < c) { y[i] = -t; break; }
                b -= c;
                t++;
            }
            left -= t;
        }
    }
}
