package dev.tessera.kernels.simd.vq;

import dev.tessera.tensor.Weight;

/**
 * A vector-quantized weight ready for matrix products: decode is fused into the product, the
 * full-precision matrix is never materialized. Instances own scratch buffers, so one instance
 * must not be used by two threads at once; callers split work by rows ({@code rowStart..rowEnd}).
 */
public interface VqWeight extends Weight {
    /** {@code y[r] = W[r,:]·x} for {@code rowStart ≤ r < rowEnd}; x has {@code cols()} floats, y {@code rows()}. */
    void matVec(float[] x, float[] y, int rowStart, int rowEnd);

    /** {@code y = W·x} over all rows. */
    default void matVec(float[] x, float[] y) {
        matVec(x, y, 0, (int) rows());
    }

    /**
     * Batched product for prefill: {@code y[i] = W·x[i]} for {@code i < n}; x is {@code [n, cols]}
     * row-major, y is {@code [n, rows]}. Each weight row is decoded once and applied to all n inputs.
     */
    void matMul(float[] x, int n, float[] y);
}
