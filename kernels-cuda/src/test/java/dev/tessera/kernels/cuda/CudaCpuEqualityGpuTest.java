package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.simd.CpuBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA backend against the CPU backend on the real GGUF models, through the model code's own
 * forward pass. The CPU backend quantizes activations to 8 bits for quantized weights (as
 * llama.cpp does), so quantized files get a looser bound; the exact comparison is
 * {@link CudaModelGpuTest} against the scalar reference. Needs a GPU; skipped without one.
 */
class CudaCpuEqualityGpuTest {
    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "stories260K-F16.gguf", "stories260K-Q8_0-fallback.gguf",
            "stories260K-Q4_0-fallback.gguf", "stories260K-Q5_0-fallback.gguf", "distill3M.gguf", "distill3M-Q8_0.gguf",
            "distill3M-Q6_K.gguf", "distill3M-Q4_K_M.gguf", "distill3M-Q4_0.gguf", "distill3M-Q3_K_M.gguf", "distill3M-Q2_K.gguf"})
    void logitsMatchTheCpuBackend(String file) {
        Path path = MiniLlamaReferenceTest.shared().resolve("test-models/gguf/" + file);
        assumeTrue(Files.isRegularFile(path), path + " not found");
        boolean plain = file.equals("stories260K.gguf") || file.equals("stories260K-F16.gguf") || file.equals("distill3M.gguf");
        try (CudaBackend gpu = Gpu.open(); CpuBackend cpu = new CpuBackend()) {
            CpuEquality.compare(gpu, cpu, path, 40, 24, plain ? 2e-3 : 3e-2);
        }
    }
}
