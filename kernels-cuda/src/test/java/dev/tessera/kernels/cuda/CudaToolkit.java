package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.cuda.ptx.NvccCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Locates the parts of a CUDA toolkit tests use, skipping (JUnit assumptions) when they are absent. */
public final class CudaToolkit {
    private CudaToolkit() {}

    /** {@code cuda.h} of the installed toolkit. */
    public static Path cudaHeader() {
        for (String dir : new String[] {"/usr/local/cuda/include", "/usr/include"}) {
            Path p = Path.of(dir, "cuda.h");
            if (Files.isRegularFile(p)) return p;
        }
        assumeTrue(false, "cuda.h not found (no CUDA toolkit in /usr/local/cuda): skipping the check against it");
        throw new AssertionError();
    }

    public static NvccCompiler nvcc() {
        Optional<NvccCompiler> n = NvccCompiler.find();
        assumeTrue(n.isPresent(), "nvcc not found on the PATH or in /usr/local/cuda/bin: skipping");
        return n.get();
    }

    /** An executable next to nvcc (ptxas) or on the PATH. */
    public static Path tool(String name) {
        Path beside = nvcc().nvcc().resolveSibling(name);
        if (Files.isExecutable(beside)) return beside;
        Path std = Path.of("/usr/local/cuda/bin", name);
        assumeTrue(Files.isExecutable(std), name + " not found: skipping");
        return std;
    }

    /** The kernel sources in the source tree (tests run with the module directory as working directory). */
    public static Path sourceDir() {
        Path p = Path.of("src/main/cuda");
        assumeTrue(Files.isDirectory(p), "src/main/cuda not found from " + Path.of("").toAbsolutePath());
        return p;
    }
}
