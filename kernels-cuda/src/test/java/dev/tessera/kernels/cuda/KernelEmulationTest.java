package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the real .cu kernels on the CPU: src/test/cuda/emu.h stands in for the CUDA built-ins
 * (a fiber per CUDA thread, barriers for __syncthreads and warp shuffles), and
 * emu_test.cpp launches each kernel with the backend's grid shapes on small problems and compares
 * with plain loops: matvec/matmul/embed, norms, softmax, argmax, elementwise, RoPE, KV store and
 * moves, split-K and tiled attention with causal, tree, window and soft-cap. Needs g++ (C++20).
 */
class KernelEmulationTest {
    @Test
    void kernelsMatchPlainLoopsOnTheHost() throws Exception {
        Path gpp = Path.of("/usr/bin/g++");
        assumeTrue(Files.isExecutable(gpp), "g++ not found: skipping the host emulation of the kernels");
        Path src = CudaToolkit.sourceDir();
        Path dir = Files.createTempDirectory("tessera-emu");
        Path exe = dir.resolve("emu_test");
        Process cc = new ProcessBuilder(gpp.toString(), "-std=c++20", "-O1", "-pthread", "-include", "src/test/cuda/emu.h",
                "-I", src.toString(), "-x", "c++", "src/test/cuda/emu_test.cpp", "-o", exe.toString())
                .redirectErrorStream(true).start();
        String log = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), log);
        Process run = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(5, TimeUnit.MINUTES), "emulation timed out");
        assertEquals(0, run.exitValue(), out);
        assertTrue(out.contains("0 failure(s)"), out);
    }
}
