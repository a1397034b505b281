package dev.tessera.kernels.cuda.ptx;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Compiles the kernel sources with the {@code nvcc} executable, in a temporary directory. */
public record NvccCompiler(Path nvcc) implements PtxCompiler {
    /** Where the CUDA toolkit installs nvcc when it is not on the PATH. */
    public static final Path DEFAULT_LOCATION = Path.of("/usr/local/cuda/bin/nvcc");

    /** nvcc from the PATH, else from {@link #DEFAULT_LOCATION}. */
    public static Optional<NvccCompiler> find() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) continue;
                Path p = Path.of(dir, "nvcc");
                if (Files.isExecutable(p)) return Optional.of(new NvccCompiler(p));
            }
        }
        return Files.isExecutable(DEFAULT_LOCATION) ? Optional.of(new NvccCompiler(DEFAULT_LOCATION)) : Optional.empty();
    }

    @Override
    public String describe() { return "nvcc (" + nvcc + ")"; }

    @Override
    public String compile(KernelSources sources, PtxTarget target) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tessera-nvcc");
            Path unit = sources.writeTo(dir);
            Path out = dir.resolve(target.arch() + ".ptx");
            run(List.of(nvcc.toString(), "-ptx", "-arch=" + target.arch(), "-o", out.toString(), unit.toString()), dir);
            return Files.readString(out);
        } catch (IOException e) {
            throw new PtxCompileException(describe() + " could not run: " + e.getMessage(), e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    /**
     * Compiles the sources to a fat binary with machine code for every target (runs ptxas too,
     * so register and shared-memory limits are checked), returning its bytes.
     */
    public byte[] compileFatbin(KernelSources sources, List<PtxTarget> targets) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tessera-nvcc");
            Path unit = sources.writeTo(dir);
            Path out = dir.resolve("kernels.fatbin");
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-fatbin", "-Werror", "all-warnings"));
            for (PtxTarget t : targets) cmd.add("-gencode=arch=" + t.arch() + ",code=" + t.sm());
            cmd.addAll(List.of("-o", out.toString(), unit.toString()));
            run(cmd, dir);
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new PtxCompileException(describe() + " could not run: " + e.getMessage(), e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private void run(List<String> cmd, Path dir) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int rc = p.waitFor();
            if (rc != 0) throw new PtxCompileException(describe() + " failed (exit " + rc + "):\n" + log.strip());
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new PtxCompileException(describe() + " interrupted", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // A leftover temp directory is harmless.
        }
    }
}
