package dev.tessera.kernels.cuda;

import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

/**
 * First throughput figures on a GPU (not a benchmark harness): effective weight bandwidth of the
 * matrix-vector kernel per type, GFLOP/s of the tiled matrix-matrix kernel, and decode attention
 * time over a long cache. Wall time over many queued launches, then one synchronization.
 */
public final class GpuBenchMain {
    private GpuBenchMain() {}

    public static void main(String[] args) {
        try (CudaBackend gpu = CudaBackend.open(Integer.getInteger("tessera.cuda.device", 0))) {
            System.out.println(gpu.device().describe());
            Random rnd = new Random(1);
            int rows = 8192, cols = 8192;
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian();
            for (TensorType t : List.of(TensorType.F16, TensorType.BF16, TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_K, TensorType.Q6_K)) {
                MemorySegment data = Quantizer.quantize(t, values, cols, null);
                Weight w = gpu.load(new Tensor("bench", t, Shape.of(rows, cols), data));
                for (int n : new int[] {1, 8, 512}) {
                    Buffer x = gpu.allocate((long) n * cols), y = gpu.allocate((long) n * rows);
                    int reps = n == 512 ? 5 : 50;
                    gpu.matmul(w, x, n, y);
                    gpu.synchronize();
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) gpu.matmul(w, x, n, y);
                    gpu.synchronize();
                    double s = (System.nanoTime() - t0) / 1e9 / reps;
                    System.out.printf("%-5s n=%-4d %8.3f ms  %7.1f GB/s weights  %8.1f GFLOP/s%n", t, n, s * 1e3,
                            data.byteSize() / s / 1e9, 2.0 * rows * cols * n / s / 1e9);
                }
            }
            for (int ctx : new int[] {1024, 8192, 32768}) {
                int heads = 32, kvHeads = 8, hd = 128;
                KvCache cache = gpu.kvCache(1, ctx, kvHeads, hd, TensorType.F16);
                Buffer q = gpu.allocate(heads * hd), o = gpu.allocate(heads * hd);
                AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.088f, 0, 0);
                int[] pos = {ctx - 1};
                gpu.attention(q, cache, 0, 1, pos, AttentionMask.CAUSAL, p, o);
                gpu.synchronize();
                long t0 = System.nanoTime();
                for (int r = 0; r < 50; r++) gpu.attention(q, cache, 0, 1, pos, AttentionMask.CAUSAL, p, o);
                gpu.synchronize();
                double s = (System.nanoTime() - t0) / 1e9 / 50;
                double bytes = 2.0 * ctx * kvHeads * hd * 2;
                System.out.printf("attention decode ctx=%-6d %8.3f ms  %7.1f GB/s of K/V%n", ctx, s * 1e3, bytes / s / 1e9);
                cache.close();
            }
        }
    }
}
