package dev.tessera.kernels.simd;

/**
 * A weight matrix in the layout its kernel reads, with the kernel: {@code out[i·outRows + r] = W[r] · x[i]}
 * for rows {@code [r0, r1)} and activation rows {@code i < n}. Integer kernels read the activations
 * quantized to {@link Q8Rows}; float kernels read {@code x} directly.
 * {@code scratch} belongs to the calling thread.
 */
sealed interface PackedWeight permits Q4Weight, Q8Weight, Int8Weight, FloatWeight {
    /** True if {@link #rows} over {@code n} activation rows reads {@code q8} (the caller quantizes them once per matmul). */
    boolean wantsQ8(int n);

    void rows(float[] x, int xOffset, Q8Rows q8, int n, int r0, int r1, float[] out, int outOffset, int outRows,
              Scratch scratch);
}
