package dev.tessera.kernels.simd;

/** Per-thread working memory of the kernels, grown on demand and reused across calls. */
final class Scratch {
    private float[] scales = new float[0];
    private float[] tile = new float[0];
    private short[] sums = new short[0];

    /**
     * A float array of at least {@code n} elements plus one vector of slack, so full-vector loads
     * near index {@code n} stay in bounds whichever kernel sized it first (contents undefined).
     */
    float[] scales(int n) {
        if (scales.length < n + Lanes.FLOATS) scales = new float[n + Lanes.FLOATS];
        return scales;
    }

    /** A float array of at least {@code n} elements for decoded weight rows (contents undefined). */
    float[] tile(int n) {
        if (tile.length < n) tile = new float[n];
        return tile;
    }

    /** A short array of at least {@code n} elements for 16-bit block sums (contents undefined). */
    short[] sums(int n) {
        if (sums.length < n) sums = new short[n];
        return sums;
    }
}
