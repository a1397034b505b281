package dev.tessera.kernels.cuda.ptx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds PTX for the kernel sources: the packed PTX when its hash matches the packed sources,
 * else the user's cache, else a fresh compile (NVRTC, then nvcc) stored in the cache.
 */
public final class PtxResolver {
    /** Where the PTX came from (for logs and tests). */
    public enum Origin { PACKED, CACHED, COMPILED }

    public record Resolved(String ptx, Origin origin, String detail) {}

    private final KernelSources sources;
    private final Function<PtxTarget, Optional<PackedPtx>> packed;
    private final PtxCache cache;
    private final Supplier<List<PtxCompiler>> compilers;

    public PtxResolver(KernelSources sources, Function<PtxTarget, Optional<PackedPtx>> packed, PtxCache cache,
                       Supplier<List<PtxCompiler>> compilers) {
        this.sources = sources;
        this.packed = packed;
        this.cache = cache;
        this.compilers = compilers;
    }

    /** The resolver of the running jar: packed resources, the standard cache, NVRTC then nvcc. */
    public static PtxResolver standard() {
        return new PtxResolver(KernelSources.fromResources(), PackedPtx::fromResources, PtxCache.standard(),
                PtxResolver::availableCompilers);
    }

    static List<PtxCompiler> availableCompilers() {
        List<PtxCompiler> out = new ArrayList<>();
        NvrtcCompiler.find().ifPresent(out::add);
        NvccCompiler.find().ifPresent(out::add);
        return out;
    }

    public String sourceSha256() { return sources.sha256(); }

    /** PTX for {@code target}: packed if current, else cached, else compiled. */
    public Resolved resolve(PtxTarget target) {
        String hash = sources.sha256();
        Optional<PackedPtx> p = packed.apply(target);
        if (p.isPresent() && p.get().sourceSha256().equals(hash)) return new Resolved(p.get().ptx(), Origin.PACKED, "packed in the jar");
        return resolveWithoutPacked(target);
    }

    /** PTX for {@code target} ignoring the packed copy (e.g. when the driver rejected its PTX version). */
    public Resolved resolveWithoutPacked(PtxTarget target) {
        String hash = sources.sha256();
        Optional<String> cached = cache.get(hash, target);
        if (cached.isPresent()) return new Resolved(cached.get(), Origin.CACHED, cache.entry(hash, target).toString());
        return compile(target);
    }

    /** Compiles with the first compiler that succeeds and caches the result. */
    public Resolved compile(PtxTarget target) {
        List<PtxCompiler> list = compilers.get();
        if (list.isEmpty()) {
            throw new PtxCompileException("no PTX for " + target.arch() + " matching the kernel sources, and neither NVRTC"
                    + " (libnvrtc.so) nor nvcc was found to compile them");
        }
        List<String> failures = new ArrayList<>();
        for (PtxCompiler c : list) {
            String ptx;
            try {
                ptx = c.compile(sources, target);
            } catch (PtxCompileException e) {
                failures.add(e.getMessage());
                continue;
            }
            String hash = sources.sha256();
            String detail = "compiled by " + c.describe();
            try {
                cache.put(hash, target, ptx);
            } catch (IOException e) {
                detail += " (not cached: " + e.getMessage() + ")";
            }
            return new Resolved(ptx, Origin.COMPILED, detail);
        }
        throw new PtxCompileException("compiling the CUDA kernels failed:\n" + String.join("\n", failures));
    }
}
