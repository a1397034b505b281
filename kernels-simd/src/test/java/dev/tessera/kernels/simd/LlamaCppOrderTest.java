package dev.tessera.kernels.simd;

import dev.tessera.kernels.simd.bench.RandomTensors;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The default kernels give llama.cpp's numbers bit for bit: every matrix product, for one token and
 * for batches on both sides of the batched paths' thresholds, equals the scalar
 * {@link dev.tessera.quant.LlamaCppDot} order that {@link CpuBackend#matchingLlamaCpp} runs.
 * Shapes cover row counts that are not multiples of the interleaved groups (and of 8, where
 * llama.cpp does not repack Q4_0), and several blocks per row.
 */
class LlamaCppOrderTest {
    private static final int[] BATCHES = {1, 2, 3, 5, 8, 13, 33};
    /** F32/F16 also past the float GEMM's block of 64 activation rows, with an odd last block. */
    private static final int[] FLOAT_BATCHES = {1, 2, 3, 5, 8, 13, 33, 67};

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void defaultKernelsEqualLlamaCppOrder(TensorType type) {
        int[][] shapes = type.blockLength() == 256
                ? new int[][] {{64, 512}, {172, 256}, {40, 768}, {7, 256}, {24, 2816}}
                : type.blockLength() == 32
                ? new int[][] {{64, 512}, {172, 256}, {40, 96}, {7, 32}, {24, 352}}
                : new int[][] {{64, 512}, {172, 256}, {40, 96}, {7, 100}, {3, 20}, {9, 104}};
        List<String> bad = new ArrayList<>();
        try (CpuBackend fast = new CpuBackend(2); CpuBackend ref = CpuBackend.matchingLlamaCpp(2); Arena arena = Arena.ofShared()) {
            for (int[] s : shapes) {
                Tensor t = RandomTensors.of("w", type, s[0], s[1], 7 + s[0], arena);
                Weight wf = fast.load(t), wr = ref.load(t);
                for (int n : type.isQuantized() ? BATCHES : FLOAT_BATCHES) {
                    Random rnd = new Random(n * 31L + s[0]);
                    float[] x = new float[n * s[1]];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    float[] got = run(fast, wf, x, n, s[0]), want = run(ref, wr, x, n, s[0]);
                    int differ = 0, first = -1;
                    for (int i = 0; i < got.length; i++) {
                        if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                            if (differ++ == 0) first = i;
                        }
                    }
                    if (differ > 0) {
                        bad.add(s[0] + "x" + s[1] + " n=" + n + ": " + differ + "/" + got.length + " differ, first [" + first + "] "
                                + got[first] + " vs " + want[first]);
                    }
                }
            }
        }
        assertEquals(List.of(), bad, type + ": outputs not bit-identical to llama.cpp's order");
    }

    /** {@code w} times {@code n} activation rows on {@code be}. */
    static float[] run(CpuBackend be, Weight w, float[] x, int n, int rows) {
        Buffer xb = be.allocate(x.length);
        xb.write(0, x);
        Buffer ob = be.allocate((long) n * rows);
        be.matmul(w, xb, n, ob);
        float[] out = new float[n * rows];
        ob.read(0, out);
        return out;
    }
}
