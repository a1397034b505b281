package dev.tessera.kernels.simd;

import dev.tessera.quant.ActivationQuantizer;
import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.LlamaCppDot;
import dev.tessera.quant.ReferenceDot;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Matrix products of {@link CpuBackend#matchingLlamaCpp}: activations converted as llama.cpp
 * converts them ({@link ActivationQuantizer}), every output one {@link LlamaCppDot} product on
 * the file's own blocks. Scalar; rows are spread over the pool.
 */
final class LlamaCppMatmul {
    private LlamaCppMatmul() {}

    static boolean handles(TensorType type) {
        return switch (type) {
            case F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    static void run(Parallel parallel, Tensor w, float[] x, int xOffset, int n, float[] out, int outOffset) {
        TensorType type = w.type();
        int rows = Math.toIntExact(w.rows()), cols = Math.toIntExact(w.cols());
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        if (type == TensorType.F32 || type == TensorType.F16) {
            float[] xs = new float[n * cols];
            for (int i = 0; i < xs.length; i++) xs[i] = ActivationQuantizer.round(type, x[xOffset + i]);
            // ggml's tiled GEMM takes batches of two or more rows whose length is a multiple of 8
            boolean gemm = n >= 2 && cols % 8 == 0;
            parallel.split(rows, 1, (worker, start, end) -> {
                float[] row = new float[cols];
                for (int r = start; r < end; r++) {
                    Dequantizer.dequantizeRow(type, data, r * rowBytes, row, 0, cols);
                    for (int i = 0; i < n; i++) {
                        out[outOffset + i * rows + r] = gemm ? LlamaCppDot.dotGemm(row, 0, xs, i * cols, cols)
                                : LlamaCppDot.dotVec(row, 0, xs, i * cols, cols, type == TensorType.F32);
                    }
                }
            });
            return;
        }
        TensorType format = ReferenceDot.activationType(type);
        MemorySegment[] act = new MemorySegment[n];
        for (int i = 0; i < n; i++) act[i] = ActivationQuantizer.quantize(format, x, xOffset + i * cols, cols);
        boolean repacked = type == TensorType.Q4_0 && rows % 8 == 0;
        parallel.split(rows, 1, (worker, start, end) -> {
            for (int r = start; r < end; r++) {
                for (int i = 0; i < n; i++) {
                    out[outOffset + i * rows + r] = LlamaCppDot.dot(type, data, r * rowBytes, act[i], 0, cols, repacked);
                }
            }
        });
    }
}
