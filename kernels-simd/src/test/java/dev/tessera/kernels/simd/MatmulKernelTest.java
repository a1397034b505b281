package dev.tessera.kernels.simd;

import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every fast matmul kernel against the scalar reference dequantizer of the quant module: weights
 * quantized from random floats by the reference quantizer, decoded by the reference dequantizer,
 * multiplied in double. Odd row counts (not a multiple of the 4-row unroll, nor of the thread
 * split), block counts that leave a partial vector group, and batches that leave a remainder
 * after the 4-row activation tiles (and one batch on the float GEMM path). Run on 2 threads so the parallel split is exercised.
 */
class MatmulKernelTest {
    private static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll
    static void close() { CPU.close(); }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matchesReferenceDequantizer(TensorType type) {
        int[] colsList = type.blockLength() == 256 ? new int[] {256, 768} : type.isQuantized() ? new int[] {96, 512} : new int[] {37, 160};
        for (int cols : colsList) {
            for (int rows : new int[] {1, 7, 45}) check(type, rows, cols, new int[] {1, 3, 6, FloatGemm.MIN_BATCH + 1, 39});
        }
    }

    /**
     * Speculative decoding verifies draft tokens in one batch: for quantized weights llama.cpp's
     * float order does not depend on the batch, so each batch row equals a one-token product bit
     * for bit. (F32/F16 batches take ggml's tiled-GEMM order, as llama.cpp's do, and differ.)
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void quantizedBatchRowsEqualSingleRowsBitForBit(TensorType type) {
        Random rnd = new Random(5);
        int rows = 45, cols = 512;
        float[] src = CpuBackendTest.gaussian(rnd, rows * cols);
        Tensor t = new Tensor("blk.0.test", type, Shape.of(rows, cols), Quantizer.quantize(type, src, cols, null));
        Weight weight = CPU.load(t);
        for (int n : new int[] {2, 5, 8, 9, 13}) {
            float[] x = CpuBackendTest.gaussian(rnd, n * cols);
            Buffer out = CPU.allocate((long) n * rows);
            CPU.matmul(weight, CpuBackendTest.buffer(CPU, x), n, out);
            float[] batched = CpuBackendTest.read(out);
            for (int i = 0; i < n; i++) {
                Buffer one = CPU.allocate(rows);
                CPU.matmul(weight, CpuBackendTest.buffer(CPU, java.util.Arrays.copyOfRange(x, i * cols, (i + 1) * cols)), 1, one);
                float[] single = CpuBackendTest.read(one);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToIntBits(single[r]), Float.floatToIntBits(batched[i * rows + r]), type + " n=" + n + " act " + i + " row " + r);
                }
            }
        }
    }

    private static void check(TensorType type, int rows, int cols, int[] batches) {
        Random rnd = new Random(rows * 31L + cols);
        float[] src = CpuBackendTest.gaussian(rnd, rows * cols);
        var data = Quantizer.quantize(type, src, cols, null);
        Tensor t = new Tensor("blk.0.test", type, Shape.of(rows, cols), data);
        float[][] w = new float[rows][cols];
        for (int r = 0; r < rows; r++) Dequantizer.dequantizeRow(type, data, r * t.rowBytes(), w[r], 0, cols);
        Weight weight = CPU.load(t);
        for (int n : batches) {
            float[] x = CpuBackendTest.gaussian(rnd, n * cols);
            for (int i = 0; i < x.length; i++) x[i] += 0.5f; // a non-zero mean exposes offset/min errors
            Buffer out = CPU.allocate((long) n * rows);
            CPU.matmul(weight, CpuBackendTest.buffer(CPU, x), n, out);
            float[] got = CpuBackendTest.read(out);
            for (int i = 0; i < n; i++) {
                float[] want = Reference.matvec(w, x, i * cols);
                for (int r = 0; r < rows; r++) {
                    double tol = CpuBackendTest.dotTolerance(type, w[r], x, i * cols);
                    assertEquals(want[r], got[i * rows + r], tol, type + " " + rows + "x" + cols + " n=" + n + " row " + r + " act " + i);
                }
            }
        }
    }
}
