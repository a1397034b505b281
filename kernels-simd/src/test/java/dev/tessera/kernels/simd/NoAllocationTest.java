package dev.tessera.kernels.simd;

import dev.tessera.kernels.simd.bench.RandomTensors;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decode step's ops allocate nothing once compiled: vectors that fail to stay in registers
 * (boxing) or per-call garbage would show up here. Repeats rounds until the JIT has compiled the
 * kernels (a round allocating nothing passes), for at most a minute.
 */
class NoAllocationTest {
    @Test
    void decodeStepAllocatesNothingOnceCompiled() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (CpuBackend cpu = new CpuBackend(2); Arena arena = Arena.ofShared()) {
            Weight[] ws = {
                cpu.load(RandomTensors.of("q4_0", TensorType.Q4_0, 128, 256, 1, arena)),
                cpu.load(RandomTensors.of("q8_0", TensorType.Q8_0, 128, 256, 2, arena)),
                cpu.load(RandomTensors.of("f16", TensorType.F16, 128, 256, 3, arena)),
                cpu.load(RandomTensors.of("q6_k", TensorType.Q6_K, 128, 256, 4, arena)),
                cpu.load(RandomTensors.of("q4_k", TensorType.Q4_K, 128, 256, 6, arena)),
                cpu.load(RandomTensors.of("q5_1", TensorType.Q5_1, 128, 256, 7, arena)),
                cpu.load(RandomTensors.of("q2_k", TensorType.Q2_K, 128, 256, 8, arena)),
                cpu.load(RandomTensors.of("q5_k", TensorType.Q5_K, 128, 256, 9, arena)),
            };
            Buffer[] outs = {cpu.allocate(128), cpu.allocate(128), cpu.allocate(128), cpu.allocate(128)};
            Weight[] fused = java.util.Arrays.copyOf(ws, outs.length);
            Weight norm = cpu.load(RandomTensors.of("norm", TensorType.F32, 1, 256, 5, arena));
            Buffer x = cpu.allocate(256), out = cpu.allocate(256), g = cpu.allocate(256);
            Buffer k = x.slice(0, 128), v = g.slice(0, 128);
            KvCache kv = cpu.kvCache(1, 128, 2, 64, TensorType.F16);
            AttentionParams p = new AttentionParams(4, 2, 64, 0.125f, 0, 0);
            Rope rope = Rope.standard(64, 10000, false);
            int[] pos = {0};
            long perStep = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (perStep > 0 && System.nanoTime() < deadline) {
                long a0 = mx.getCurrentThreadAllocatedBytes();
                for (int it = 0; it < 500; it++) {
                    pos[0] = it % 100;
                    for (Weight w : ws) cpu.matmul(w, x, 1, out);
                    cpu.matmuls(fused, x, 1, outs);
                    cpu.rmsNorm(x, norm, 1, 256, 1e-5f, g);
                    cpu.rope(out, 1, 4, 64, pos, rope);
                    cpu.storeKv(kv, 0, k, v, 1, pos);
                    cpu.attention(out, kv, 0, 1, pos, AttentionMask.CAUSAL, p, g);
                    cpu.gatedActivation(g, x, 256, Backend.Activation.SILU);
                    cpu.add(x, g, 256);
                    cpu.scale(x, 256, 0.5f);
                    cpu.argmax(out, 0, 256);
                }
                perStep = (mx.getCurrentThreadAllocatedBytes() - a0) / 500;
            }
            assertTrue(perStep == 0, "a compiled decode step still allocates " + perStep + " bytes");
        }
    }
}
