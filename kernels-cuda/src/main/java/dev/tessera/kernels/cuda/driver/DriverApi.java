package dev.tessera.kernels.cuda.driver;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The CUDA driver entry points Tessera binds, each with its exported symbol (the {@code _v2} name
 * where {@code cuda.h} maps the API name to one) and its C signature as an FFM descriptor.
 * Every function returns a {@code CUresult} (int). Handles ({@code CUcontext}, {@code CUstream},
 * ...) are pointers; {@code CUdevice} and enums are ints; {@code CUdeviceptr} and {@code size_t} are 64-bit.
 */
public final class DriverApi {
    private DriverApi() {}

    /** One bound function: exported symbol and signature. */
    public record Fn(String symbol, FunctionDescriptor descriptor) {}

    private static Fn fn(String symbol, MemoryLayout... args) {
        return new Fn(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    public static final Fn INIT = fn("cuInit", JAVA_INT);
    public static final Fn DRIVER_GET_VERSION = fn("cuDriverGetVersion", ADDRESS);
    public static final Fn GET_ERROR_NAME = fn("cuGetErrorName", JAVA_INT, ADDRESS);
    public static final Fn DEVICE_GET_COUNT = fn("cuDeviceGetCount", ADDRESS);
    public static final Fn DEVICE_GET = fn("cuDeviceGet", ADDRESS, JAVA_INT);
    public static final Fn DEVICE_GET_NAME = fn("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    public static final Fn DEVICE_GET_ATTRIBUTE = fn("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    public static final Fn DEVICE_TOTAL_MEM = fn("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
    public static final Fn PRIMARY_CTX_RETAIN = fn("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    public static final Fn PRIMARY_CTX_RELEASE = fn("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    public static final Fn CTX_SET_CURRENT = fn("cuCtxSetCurrent", ADDRESS);
    public static final Fn MEM_ALLOC = fn("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    public static final Fn MEM_FREE = fn("cuMemFree_v2", JAVA_LONG);
    public static final Fn MEM_HOST_ALLOC = fn("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    public static final Fn MEM_FREE_HOST = fn("cuMemFreeHost", ADDRESS);
    public static final Fn MEMCPY_HTOD_ASYNC = fn("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
    public static final Fn MEMCPY_DTOH_ASYNC = fn("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
    public static final Fn MEMSET_D8_ASYNC = fn("cuMemsetD8Async", JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS);
    public static final Fn MODULE_LOAD_DATA_EX = fn("cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    public static final Fn MODULE_UNLOAD = fn("cuModuleUnload", ADDRESS);
    public static final Fn MODULE_GET_FUNCTION = fn("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
    public static final Fn FUNC_SET_ATTRIBUTE = fn("cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    public static final Fn LAUNCH_KERNEL = fn("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    public static final Fn STREAM_CREATE = fn("cuStreamCreate", ADDRESS, JAVA_INT);
    public static final Fn STREAM_DESTROY = fn("cuStreamDestroy_v2", ADDRESS);
    public static final Fn STREAM_SYNCHRONIZE = fn("cuStreamSynchronize", ADDRESS);
    public static final Fn EVENT_CREATE = fn("cuEventCreate", ADDRESS, JAVA_INT);
    public static final Fn EVENT_RECORD = fn("cuEventRecord", ADDRESS, ADDRESS);
    public static final Fn EVENT_SYNCHRONIZE = fn("cuEventSynchronize", ADDRESS);
    public static final Fn EVENT_DESTROY = fn("cuEventDestroy_v2", ADDRESS);
    public static final Fn STREAM_BEGIN_CAPTURE = fn("cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
    public static final Fn STREAM_END_CAPTURE = fn("cuStreamEndCapture", ADDRESS, ADDRESS);
    public static final Fn GRAPH_INSTANTIATE = fn("cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
    public static final Fn GRAPH_EXEC_UPDATE = fn("cuGraphExecUpdate_v2", ADDRESS, ADDRESS, ADDRESS);
    public static final Fn GRAPH_LAUNCH = fn("cuGraphLaunch", ADDRESS, ADDRESS);
    public static final Fn GRAPH_DESTROY = fn("cuGraphDestroy", ADDRESS);
    public static final Fn GRAPH_EXEC_DESTROY = fn("cuGraphExecDestroy", ADDRESS);

    /** Every binding, in declaration order. */
    public static final List<Fn> ALL = List.of(INIT, DRIVER_GET_VERSION, GET_ERROR_NAME, DEVICE_GET_COUNT, DEVICE_GET,
            DEVICE_GET_NAME, DEVICE_GET_ATTRIBUTE, DEVICE_TOTAL_MEM, PRIMARY_CTX_RETAIN, PRIMARY_CTX_RELEASE,
            CTX_SET_CURRENT, MEM_ALLOC, MEM_FREE, MEM_HOST_ALLOC, MEM_FREE_HOST, MEMCPY_HTOD_ASYNC,
            MEMCPY_DTOH_ASYNC, MEMSET_D8_ASYNC, MODULE_LOAD_DATA_EX, MODULE_UNLOAD, MODULE_GET_FUNCTION,
            FUNC_SET_ATTRIBUTE, LAUNCH_KERNEL, STREAM_CREATE, STREAM_DESTROY, STREAM_SYNCHRONIZE, EVENT_CREATE,
            EVENT_RECORD, EVENT_SYNCHRONIZE, EVENT_DESTROY, STREAM_BEGIN_CAPTURE, STREAM_END_CAPTURE,
            GRAPH_INSTANTIATE, GRAPH_EXEC_UPDATE, GRAPH_LAUNCH, GRAPH_DESTROY, GRAPH_EXEC_DESTROY);

    /** {@code CUgraphExecUpdateResultInfo}: the result enum, then the two nodes the failure concerns. */
    public static final StructLayout GRAPH_EXEC_UPDATE_RESULT_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName("result"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("errorNode"),
            ADDRESS.withName("errorFromNode"));

    // Enum and flag values used by the bindings (from cuda.h).
    public static final int DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    public static final int FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    public static final int JIT_ERROR_LOG_BUFFER = 5;
    public static final int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    public static final int STREAM_NON_BLOCKING = 1;
    public static final int EVENT_DISABLE_TIMING = 2;
    public static final int STREAM_CAPTURE_MODE_RELAXED = 2;
    public static final int MEMHOSTALLOC_PORTABLE = 1;
}
