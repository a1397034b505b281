package dev.tessera.kernels.cuda.ptx;

/** Turns the kernel sources into PTX for one target (nvcc, NVRTC, or a fake in tests). */
public interface PtxCompiler {
    /** Short description for messages, e.g. {@code nvcc (/usr/local/cuda/bin/nvcc)}. */
    String describe();

    /**
     * @throws PtxCompileException with the compiler's log when compilation fails
     */
    String compile(KernelSources sources, PtxTarget target);
}
