package dev.tessera.kernels.cuda.ptx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Build step (run by Maven after compilation): copies the kernel sources and their list into the
 * classes directory and, when nvcc is available, compiles PTX for every {@link PtxTarget} and
 * records the sources' hash beside it. Without nvcc only the sources are packed (and any PTX from
 * an earlier build is removed); the jar then compiles at run time.
 *
 * <p>Usage: {@code PtxPacker <source dir> <output dir> [nvcc path | auto | none]}.
 */
public final class PtxPacker {
    private PtxPacker() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: PtxPacker <source dir> <output dir> [nvcc path|auto|none]");
            System.exit(2);
        }
        String choice = args.length == 3 ? args[2] : "auto";
        Optional<? extends PtxCompiler> nvcc = switch (choice) {
            case "none" -> Optional.empty();
            case "auto", "" -> NvccCompiler.find();
            default -> Optional.of(new NvccCompiler(Path.of(choice)));
        };
        try {
            String msg = pack(Path.of(args[0]), Path.of(args[1]), nvcc);
            System.out.println("[tessera] " + msg);
        } catch (PtxCompileException e) {
            System.err.println("[tessera] " + e.getMessage());
            System.exit(1);
        }
    }

    /** Packs sources (and PTX when a compiler is given) into {@code out}; returns a one-line summary. */
    public static String pack(Path srcDir, Path out, Optional<? extends PtxCompiler> compiler) throws Exception {
        KernelSources sources = KernelSources.fromDirectory(srcDir);
        Path src = out.resolve("src");
        Files.createDirectories(src);
        for (KernelSources.Source s : sources.files()) Files.writeString(src.resolve(s.name()), s.text());
        Files.writeString(src.resolve(KernelSources.LIST), sources.list());
        Path ptxDir = out.resolve("ptx");
        Files.createDirectories(ptxDir);
        String hash = sources.sha256();
        if (compiler.isEmpty()) {
            for (PtxTarget t : PtxTarget.ALL) {
                Files.deleteIfExists(out.resolve(PackedPtx.ptxName(t)));
                Files.deleteIfExists(out.resolve(PackedPtx.hashName(t)));
            }
            return "no nvcc: packed " + sources.files().size() + " CUDA sources only (PTX is compiled at run time)";
        }
        PtxCompiler c = compiler.get();
        if (upToDate(out, hash)) return "PTX up to date (sources " + hash.substring(0, 12) + ")";
        ExecutorService pool = Executors.newFixedThreadPool(PtxTarget.ALL.size());
        try {
            var jobs = PtxTarget.ALL.stream().map(t -> pool.submit(() -> c.compile(sources, t))).toList();
            for (int i = 0; i < jobs.size(); i++) {
                PtxTarget t = PtxTarget.ALL.get(i);
                Future<String> f = jobs.get(i);
                String ptx;
                try {
                    ptx = f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof PtxCompileException p) throw p;
                    throw e;
                }
                Files.writeString(out.resolve(PackedPtx.ptxName(t)), ptx);
                Files.writeString(out.resolve(PackedPtx.hashName(t)), hash + "\n");
            }
        } finally {
            pool.shutdownNow();
        }
        return "compiled CUDA kernels to PTX for " + String.join(", ", PtxTarget.ALL.stream().map(PtxTarget::arch).toList())
                + " with " + c.describe();
    }

    private static boolean upToDate(Path out, String hash) throws IOException {
        for (PtxTarget t : PtxTarget.ALL) {
            Path h = out.resolve(PackedPtx.hashName(t));
            if (!Files.isRegularFile(out.resolve(PackedPtx.ptxName(t))) || !Files.isRegularFile(h)
                    || !Files.readString(h).strip().equals(hash)) {
                return false;
            }
        }
        return true;
    }
}
