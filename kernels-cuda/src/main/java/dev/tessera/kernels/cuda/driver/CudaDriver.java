package dev.tessera.kernels.cuda.driver;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Panama downcalls to the CUDA driver API ({@code libcuda.so.1}). Every method checks the
 * {@code CUresult} and throws {@link CudaException} naming the call and the error. Handles are
 * {@link MemorySegment} addresses; device pointers are {@code long}s. Immutable and shareable;
 * the CUDA context is a per-thread notion of the driver ({@link #setCurrent}).
 */
@SuppressWarnings("restricted")  // Panama downcalls and native addresses are this class's purpose
public final class CudaDriver {
    /** The library name the driver installs; the system property {@code tessera.cuda.driver} overrides it (tests). */
    public static final String DEFAULT_LIBRARY = "libcuda.so.1";

    private final String library;
    private final Map<String, MethodHandle> handles;
    private final MethodHandle launch, htod, dtoh, memset, streamSync, eventRecord, eventSync, graphLaunch;

    private CudaDriver(String library, Map<String, MethodHandle> handles) {
        this.library = library;
        this.handles = handles;
        this.launch = handles.get(DriverApi.LAUNCH_KERNEL.symbol());
        this.htod = handles.get(DriverApi.MEMCPY_HTOD_ASYNC.symbol());
        this.dtoh = handles.get(DriverApi.MEMCPY_DTOH_ASYNC.symbol());
        this.memset = handles.get(DriverApi.MEMSET_D8_ASYNC.symbol());
        this.streamSync = handles.get(DriverApi.STREAM_SYNCHRONIZE.symbol());
        this.eventRecord = handles.get(DriverApi.EVENT_RECORD.symbol());
        this.eventSync = handles.get(DriverApi.EVENT_SYNCHRONIZE.symbol());
        this.graphLaunch = handles.get(DriverApi.GRAPH_LAUNCH.symbol());
    }

    /** The library to load: {@code tessera.cuda.driver} if set, else {@link #DEFAULT_LIBRARY}. */
    public static String libraryName() {
        return System.getProperty("tessera.cuda.driver", DEFAULT_LIBRARY);
    }

    /**
     * Loads the driver library and binds every function of {@link DriverApi}.
     *
     * @return empty with {@code whyNot[0]} set when the library or a symbol is missing
     */
    public static Optional<CudaDriver> load(String library, String[] whyNot) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            whyNot[0] = library + " not found (no NVIDIA driver installed)";
            return Optional.empty();
        }
        Linker linker = Linker.nativeLinker();
        Map<String, MethodHandle> handles = new HashMap<>();
        for (DriverApi.Fn fn : DriverApi.ALL) {
            Optional<MemorySegment> sym = lookup.find(fn.symbol());
            if (sym.isEmpty()) {
                whyNot[0] = library + " lacks " + fn.symbol() + " (driver too old; CUDA 12.0 or newer is needed)";
                return Optional.empty();
            }
            handles.put(fn.symbol(), linker.downcallHandle(sym.get(), fn.descriptor()));
        }
        return Optional.of(new CudaDriver(library, handles));
    }

    public String library() { return library; }

    private MethodHandle h(DriverApi.Fn fn) { return handles.get(fn.symbol()); }

    private void check(String call, int rc) {
        if (rc != CudaErrors.SUCCESS) throw new CudaException(call, rc, errorName(rc));
    }

    /** The driver's name for {@code code} ({@code cuGetErrorName}), or the built-in table's. */
    public String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) h(DriverApi.GET_ERROR_NAME).invokeExact(code, out);
            MemorySegment s = out.get(ADDRESS, 0);
            if (rc != CudaErrors.SUCCESS || s.equals(MemorySegment.NULL)) return CudaErrors.name(code);
            return s.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) {
            return CudaErrors.name(code);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---------------------------------------------------------------- init, devices, contexts

    public void init() {
        try { check("cuInit", (int) h(DriverApi.INIT).invokeExact(0)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** The CUDA version the driver supports, e.g. 12040 for 12.4. */
    public int driverVersion() { return intOut("cuDriverGetVersion", DriverApi.DRIVER_GET_VERSION); }

    public int deviceCount() { return intOut("cuDeviceGetCount", DriverApi.DEVICE_GET_COUNT); }

    private int intOut(String call, DriverApi.Fn fn) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check(call, (int) h(fn).invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The {@code CUdevice} handle of ordinal {@code ordinal}. */
    public int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDeviceGet", (int) h(DriverApi.DEVICE_GET).invokeExact(out, ordinal));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check("cuDeviceGetName", (int) h(DriverApi.DEVICE_GET_NAME).invokeExact(out, 256, device));
            return out.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public int deviceAttribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", (int) h(DriverApi.DEVICE_GET_ATTRIBUTE).invokeExact(out, attribute, device));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public long deviceTotalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem", (int) h(DriverApi.DEVICE_TOTAL_MEM).invokeExact(out, device));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Retains the device's primary context (shared with any other user of the device in this process). */
    public MemorySegment retainPrimaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) h(DriverApi.PRIMARY_CTX_RETAIN).invokeExact(out, device));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void releasePrimaryContext(int device) {
        try { check("cuDevicePrimaryCtxRelease", (int) h(DriverApi.PRIMARY_CTX_RELEASE).invokeExact(device)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    public void setCurrent(MemorySegment context) {
        try { check("cuCtxSetCurrent", (int) h(DriverApi.CTX_SET_CURRENT).invokeExact(context)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- memory

    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check("cuMemAlloc(" + bytes + " bytes)", (int) h(DriverApi.MEM_ALLOC).invokeExact(out, bytes));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void memFree(long ptr) {
        try { check("cuMemFree", (int) h(DriverApi.MEM_FREE).invokeExact(ptr)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Page-locked host memory of {@code bytes}, usable by async copies and captured graphs. */
    public MemorySegment memHostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuMemHostAlloc(" + bytes + " bytes)",
                    (int) h(DriverApi.MEM_HOST_ALLOC).invokeExact(out, bytes, DriverApi.MEMHOSTALLOC_PORTABLE));
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void memFreeHost(MemorySegment p) {
        try { check("cuMemFreeHost", (int) h(DriverApi.MEM_FREE_HOST).invokeExact(p)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyHtoDAsync", (int) htod.invokeExact(dst, src, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyDtoHAsync", (int) dtoh.invokeExact(dst, src, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void memsetD8Async(long dst, byte value, long bytes, MemorySegment stream) {
        try { check("cuMemsetD8Async", (int) memset.invokeExact(dst, value, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- modules and launches

    /**
     * Loads a NUL-terminated PTX image; a JIT failure's log becomes part of the exception message.
     */
    public MemorySegment moduleLoad(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            int logSize = 8192;
            MemorySegment log = a.allocate(logSize);
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment opts = a.allocate(JAVA_INT, 2);
            opts.setAtIndex(JAVA_INT, 0, DriverApi.JIT_ERROR_LOG_BUFFER);
            opts.setAtIndex(JAVA_INT, 1, DriverApi.JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment vals = a.allocate(ADDRESS, 2);
            vals.setAtIndex(ADDRESS, 0, log);
            vals.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logSize));
            int rc = (int) h(DriverApi.MODULE_LOAD_DATA_EX).invokeExact(out, image, 2, opts, vals);
            if (rc != CudaErrors.SUCCESS) {
                String text = log.getString(0, StandardCharsets.UTF_8).strip();
                throw text.isEmpty() ? new CudaException("cuModuleLoadDataEx", rc, errorName(rc))
                        : new CudaException("cuModuleLoadDataEx", rc, errorName(rc), text);
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void moduleUnload(MemorySegment module) {
        try { check("cuModuleUnload", (int) h(DriverApi.MODULE_UNLOAD).invokeExact(module)); } catch (Throwable t) { throw rethrow(t); }
    }

    public MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")",
                    (int) h(DriverApi.MODULE_GET_FUNCTION).invokeExact(out, module, a.allocateFrom(name)));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void setFunctionAttribute(MemorySegment function, int attribute, int value) {
        try { check("cuFuncSetAttribute", (int) h(DriverApi.FUNC_SET_ATTRIBUTE).invokeExact(function, attribute, value)); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** Launches {@code function} with the packed parameters of {@code args} (see {@link LaunchArgs}). */
    public void launch(String name, MemorySegment function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                       MemorySegment stream, MemorySegment kernelParams) {
        int rc;
        try {
            rc = (int) launch.invokeExact(function, gx, gy, gz, bx, by, bz, sharedBytes, stream, kernelParams,
                    MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
        if (rc != CudaErrors.SUCCESS) throw new CudaException("cuLaunchKernel(" + name + ")", rc, errorName(rc));
    }

    // ---------------------------------------------------------------- streams, events, graphs

    public MemorySegment streamCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuStreamCreate", (int) h(DriverApi.STREAM_CREATE).invokeExact(out, DriverApi.STREAM_NON_BLOCKING));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void streamDestroy(MemorySegment stream) {
        try { check("cuStreamDestroy", (int) h(DriverApi.STREAM_DESTROY).invokeExact(stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void streamSynchronize(MemorySegment stream) {
        try { check("cuStreamSynchronize", (int) streamSync.invokeExact(stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public MemorySegment eventCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuEventCreate", (int) h(DriverApi.EVENT_CREATE).invokeExact(out, DriverApi.EVENT_DISABLE_TIMING));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void eventRecord(MemorySegment event, MemorySegment stream) {
        try { check("cuEventRecord", (int) eventRecord.invokeExact(event, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void eventSynchronize(MemorySegment event) {
        try { check("cuEventSynchronize", (int) eventSync.invokeExact(event)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void eventDestroy(MemorySegment event) {
        try { check("cuEventDestroy", (int) h(DriverApi.EVENT_DESTROY).invokeExact(event)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void beginCapture(MemorySegment stream) {
        try {
            check("cuStreamBeginCapture", (int) h(DriverApi.STREAM_BEGIN_CAPTURE).invokeExact(stream,
                    DriverApi.STREAM_CAPTURE_MODE_RELAXED));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Ends the capture on {@code stream} and returns the captured graph. */
    public MemorySegment endCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuStreamEndCapture", (int) h(DriverApi.STREAM_END_CAPTURE).invokeExact(stream, out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public MemorySegment graphInstantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuGraphInstantiateWithFlags", (int) h(DriverApi.GRAPH_INSTANTIATE).invokeExact(out, graph, 0L));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Updates {@code exec} in place to run {@code graph}; false when the topologies differ. */
    public boolean graphExecUpdate(MemorySegment exec, MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(DriverApi.GRAPH_EXEC_UPDATE_RESULT_INFO);
            int rc = (int) h(DriverApi.GRAPH_EXEC_UPDATE).invokeExact(exec, graph, info);
            return rc == CudaErrors.SUCCESS;
        } catch (Throwable t) { throw rethrow(t); }
    }

    public void graphLaunch(MemorySegment exec, MemorySegment stream) {
        try { check("cuGraphLaunch", (int) graphLaunch.invokeExact(exec, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void graphDestroy(MemorySegment graph) {
        try { check("cuGraphDestroy", (int) h(DriverApi.GRAPH_DESTROY).invokeExact(graph)); } catch (Throwable t) { throw rethrow(t); }
    }

    public void graphExecDestroy(MemorySegment exec) {
        try { check("cuGraphExecDestroy", (int) h(DriverApi.GRAPH_EXEC_DESTROY).invokeExact(exec)); } catch (Throwable t) { throw rethrow(t); }
    }
}
