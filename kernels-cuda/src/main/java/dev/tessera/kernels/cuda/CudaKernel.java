package dev.tessera.kernels.cuda;

import dev.tessera.kernels.cuda.driver.CudaDriver;
import dev.tessera.kernels.cuda.driver.DriverApi;
import dev.tessera.kernels.cuda.driver.LaunchArgs;
import java.lang.foreign.MemorySegment;

/** A loaded kernel: its spec and the {@code CUfunction}; launches check the packed arguments against the spec. */
final class CudaKernel {
    private final KernelSpec spec;
    private final MemorySegment function;
    private int dynamicSmemLimit = 48 * 1024;

    CudaKernel(KernelSpec spec, MemorySegment function) {
        this.spec = spec;
        this.function = function;
    }

    KernelSpec spec() { return spec; }

    void launch(CudaDriver d, MemorySegment stream, LaunchArgs a, int gx, int gy, int gz, int block, int smem) {
        if (a.count() != spec.args().size()) {
            throw new IllegalStateException(spec.name() + ": " + a.count() + " arguments packed, expected " + spec.args().size());
        }
        for (int i = 0; i < a.count(); i++) {
            if (a.type(i) != spec.args().get(i)) {
                throw new IllegalStateException(spec.name() + ": argument " + i + " is " + a.type(i) + ", expected " + spec.args().get(i));
            }
        }
        if (smem > dynamicSmemLimit) {
            d.setFunctionAttribute(function, DriverApi.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
            dynamicSmemLimit = smem;
        }
        d.launch(spec.name(), function, gx, gy, gz, block, 1, 1, smem, stream, a.pointers());
    }
}
