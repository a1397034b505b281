package dev.tessera.kernels.cuda.ptx;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** Compiles the kernel sources in-process with NVRTC ({@code libnvrtc.so*}) through Panama downcalls. */
@SuppressWarnings("restricted")  // Panama downcalls into libnvrtc
public final class NvrtcCompiler implements PtxCompiler {
    /** Names tried in order; the first that loads wins. */
    static final List<String> LIBRARIES = List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
            "/usr/local/cuda/lib64/libnvrtc.so", "/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12");

    private static final FunctionDescriptor CREATE = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor COMPILE = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    private static final FunctionDescriptor GET_SIZE = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor GET_TEXT = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor DESTROY = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor ERROR_STRING = FunctionDescriptor.of(ADDRESS, JAVA_INT);

    private final String library;
    private final MethodHandle create, compile, ptxSize, ptx, logSize, log, destroy, errorString;

    private NvrtcCompiler(String library, SymbolLookup l) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        create = linker.downcallHandle(l.findOrThrow("nvrtcCreateProgram"), CREATE);
        compile = linker.downcallHandle(l.findOrThrow("nvrtcCompileProgram"), COMPILE);
        ptxSize = linker.downcallHandle(l.findOrThrow("nvrtcGetPTXSize"), GET_SIZE);
        ptx = linker.downcallHandle(l.findOrThrow("nvrtcGetPTX"), GET_TEXT);
        logSize = linker.downcallHandle(l.findOrThrow("nvrtcGetProgramLogSize"), GET_SIZE);
        log = linker.downcallHandle(l.findOrThrow("nvrtcGetProgramLog"), GET_TEXT);
        destroy = linker.downcallHandle(l.findOrThrow("nvrtcDestroyProgram"), DESTROY);
        errorString = linker.downcallHandle(l.findOrThrow("nvrtcGetErrorString"), ERROR_STRING);
    }

    /** NVRTC if one of {@link #LIBRARIES} loads and exports the API. */
    public static Optional<NvrtcCompiler> find() {
        for (String name : LIBRARIES) {
            try {
                return Optional.of(new NvrtcCompiler(name, SymbolLookup.libraryLookup(name, Arena.global())));
            } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
                // not this one; try the next name
            }
        }
        return Optional.empty();
    }

    @Override
    public String describe() { return "NVRTC (" + library + ")"; }

    @Override
    public String compile(KernelSources sources, PtxTarget target) {
        try (Arena a = Arena.ofConfined()) {
            List<KernelSources.Source> files = sources.files();
            MemorySegment headers = a.allocate(ADDRESS, files.size());
            MemorySegment names = a.allocate(ADDRESS, files.size());
            for (int i = 0; i < files.size(); i++) {
                headers.setAtIndex(ADDRESS, i, a.allocateFrom(files.get(i).text()));
                names.setAtIndex(ADDRESS, i, a.allocateFrom(files.get(i).name()));
            }
            MemorySegment progOut = a.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int) create.invokeExact(progOut, a.allocateFrom(sources.unit()),
                    a.allocateFrom(KernelSources.UNIT), files.size(), headers, names));
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, 1);
                opts.setAtIndex(ADDRESS, 0, a.allocateFrom("--gpu-architecture=" + target.arch()));
                int rc = (int) compile.invokeExact(prog, 1, opts);
                if (rc != 0) throw new PtxCompileException(describe() + " failed: " + error(rc) + "\n" + text(a, prog, logSize, log));
                return text(a, prog, ptxSize, ptx);
            } finally {
                int ignored = (int) destroy.invokeExact(progOut);
            }
        } catch (PtxCompileException e) {
            throw e;
        } catch (Throwable t) {
            throw new PtxCompileException(describe() + " could not run: " + t, t);
        }
    }

    private String text(Arena a, MemorySegment prog, MethodHandle size, MethodHandle get) throws Throwable {
        MemorySegment n = a.allocate(JAVA_LONG);
        check("nvrtc size query", (int) size.invokeExact(prog, n));
        MemorySegment buf = a.allocate(Math.max(1, n.get(JAVA_LONG, 0)));
        check("nvrtc text query", (int) get.invokeExact(prog, buf));
        return buf.getString(0, StandardCharsets.UTF_8);
    }

    private void check(String call, int rc) throws Throwable {
        if (rc != 0) throw new PtxCompileException(describe() + ": " + call + " failed: " + error(rc));
    }

    private String error(int rc) throws Throwable {
        MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
        return s.equals(MemorySegment.NULL) ? "NVRTC error " + rc : s.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
    }
}
