package dev.tessera.quant.pvq;

import java.util.SplittableRandom;

/**
 * The orthogonal "coherence" rotation {@code R = blockdiag(H_b · diag(σ)) / √b} over blocks of
 * {@code b} columns (b = largest power of two dividing n, H_b the Sylvester Hadamard matrix,
 * σ = ±1 from a seeded PRNG). Weights are stored as {@code W' = W Rᵀ} (each row rotated by R) and
 * multiplied with {@code x' = R x}, so {@code W' x' = W x}. Applying R is a fast Walsh–Hadamard
 * transform: O(n log b) additions.
 */
public final class HadamardRotation {
    private final int n;
    private final int block;
    private final long seed;
    private final float[] signs;

    public HadamardRotation(int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("rotation length must be positive, got " + n);
        this.n = n;
        this.block = Integer.lowestOneBit(n);
        this.seed = seed;
        this.signs = new float[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) signs[i] = r.nextBoolean() ? 1f : -1f;
    }

    public int length() { return n; }

    public int block() { return block; }

    public long seed() { return seed; }

    /** {@code out[0..n) = R · x[off..off+n)}; {@code out} must not alias {@code x}. */
    public void apply(float[] x, int off, float[] out) {
        for (int i = 0; i < n; i++) out[i] = x[off + i] * signs[i];
        float norm = (float) (1.0 / Math.sqrt(block));
        for (int b = 0; b < n; b += block) {
            fwht(out, b, block);
            for (int i = b; i < b + block; i++) out[i] *= norm;
        }
    }

    /** {@code out[0..n) = Rᵀ · x[off..off+n)} (the inverse rotation); {@code out} must not alias {@code x}. */
    public void applyTranspose(float[] x, int off, float[] out) {
        System.arraycopy(x, off, out, 0, n);
        float norm = (float) (1.0 / Math.sqrt(block));
        for (int b = 0; b < n; b += block) fwht(out, b, block);
        for (int i = 0; i < n; i++) out[i] *= norm * signs[i];
    }

    /** In-place unnormalized Walsh–Hadamard transform of {@code v[off..off+len)}. */
    static void fwht(float[] v, int off, int len) {
        for (int h = 1; h < len; h <<= 1) {
            for (int i = off; i < off + len; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    float a = v[j], c = v[j + h];
                    v[j] = a + c;
                    v[j + h] = a - c;
                }
            }
        }
    }

    /**
     * The {@code d×d} diagonal blocks of {@code R·diag(h)·Rᵀ}, one per group of d consecutive
     * columns (d divides b). With Sylvester H, {@code (H D Hᵀ)[i][k] = FWHT(h)[i xor k]}, so each
     * rotation block needs one transform of h; the σ signs cancel on a diagonal metric.
     * Returns {@code n/d} arrays of d² entries (row-major).
     */
    public double[][] rotatedDiagonalBlocks(double[] h, int d) {
        if (block % d != 0) throw new IllegalArgumentException("group size " + d + " does not divide rotation block " + block);
        double[][] out = new double[n / d][];
        double[] f = new double[block];
        for (int b = 0; b < n; b += block) {
            System.arraycopy(h, b, f, 0, block);
            for (int len = 1; len < block; len <<= 1) {
                for (int i = 0; i < block; i += len << 1) {
                    for (int j = i; j < i + len; j++) {
                        double a = f[j], c = f[j + len];
                        f[j] = a + c;
                        f[j + len] = a - c;
                    }
                }
            }
            for (int g = b; g < b + block; g += d) {
                double[] m = new double[d * d];
                for (int i = 0; i < d; i++) {
                    for (int k = 0; k < d; k++) m[i * d + k] = f[((g - b + i) ^ (g - b + k))] / block;
                }
                out[g / d] = m;
            }
        }
        return out;
    }
}
