package dev.tessera.kernels.simd;

/** Per-thread working memory of the kernels, grown on demand and reused across calls. */
final class Scratch {
    private float[] scales = new float[0];

    /** A float array of at least {@code n} elements (contents undefined). */
    float[] scales(int n) {
        if (scales.length < n) scales = new float[n + Lanes.FLOATS];
        return scales;
    }
}
