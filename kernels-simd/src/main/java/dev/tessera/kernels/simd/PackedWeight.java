package dev.tessera.kernels.simd;

import dev.tessera.tensor.TensorType;

/**
 * A weight matrix in the layout its kernel reads, with the kernel: {@code out[i·outRows + r] = W[r] · x[i]}
 * for rows {@code [r0, r1)} and activation rows {@code i < n}. The caller converts the activations
 * once per matmul to the weight's {@link #activations} format: integer kernels read the codes in
 * {@code q8}, float kernels read {@code x}, which is then {@link Q8Rows#values} (the converted
 * values) unless the format is F32. {@code scratch} belongs to the calling thread.
 */
sealed interface PackedWeight permits Q4Weight, Q8Weight, Int8Weight, FloatWeight {
    /**
     * The format llama.cpp's CPU backend multiplies this weight type's activations in
     * ({@code vec_dot_type}): F32, F16, Q8_0, Q8_1 or Q8_K.
     */
    TensorType activations();

    /**
     * True if {@link #rows} over {@code n} activation rows of a quantized format reads the converted
     * floats ({@link Q8Rows#values}: the float GEMM of the batched path) rather than only the codes.
     */
    default boolean readsValues(int n) {
        return n >= FloatGemm.MIN_BATCH;
    }

    void rows(float[] x, int xOffset, Q8Rows q8, int n, int r0, int r1, float[] out, int outOffset, int outRows,
              Scratch scratch);
}
