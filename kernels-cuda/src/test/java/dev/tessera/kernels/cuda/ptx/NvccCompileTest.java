package dev.tessera.kernels.cuda.ptx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.kernels.cuda.CudaToolkit;
import org.junit.jupiter.api.Test;

/** Every .cu source compiles with nvcc to machine code for sm_80 and sm_90 (one nvcc run, ptxas included), warnings as errors. */
class NvccCompileTest {
    @Test
    void allSourcesCompileForSm80AndSm90() throws Exception {
        NvccCompiler nvcc = CudaToolkit.nvcc();
        KernelSources sources = KernelSources.fromDirectory(CudaToolkit.sourceDir());
        byte[] fatbin = nvcc.compileFatbin(sources, PtxTarget.ALL);
        assertTrue(fatbin.length > 10_000, "fatbin of " + fatbin.length + " bytes");
    }
}
