package dev.tessera.kernels.simd;

import dev.tessera.kernels.simd.bench.RandomTensors;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Q8Weight}'s batched path past the thresholds {@link LlamaCppOrderTest} does not reach: more
 * activation rows than one activation block (64), with a partial tile of 8 and single rows after
 * it, bit for bit against llama.cpp's order ({@link CpuBackend#matchingLlamaCpp}), on one thread
 * (one call over all rows) and two.
 */
class Q8WeightOrderTest {
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q6_K"})
    void batchesBeyondOneActivationBlockEqualLlamaCppOrder(TensorType type) {
        int rows = 40, cols = 512, n = 64 + 8 + 3;
        try (CpuBackend ref = CpuBackend.matchingLlamaCpp(1); Arena arena = Arena.ofShared()) {
            Tensor t = RandomTensors.of("w", type, rows, cols, 11, arena);
            float[] x = new float[n * cols];
            Random rnd = new Random(5);
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] want = LlamaCppOrderTest.run(ref, ref.load(t), x, n, rows);
            for (int threads : new int[] {1, 2}) {
                try (CpuBackend fast = new CpuBackend(threads)) {
                    float[] got = LlamaCppOrderTest.run(fast, fast.load(t), x, n, rows);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                type + " threads=" + threads + ": output [" + i + "] " + got[i] + " vs llama.cpp order " + want[i]);
                    }
                }
            }
        }
    }
}
