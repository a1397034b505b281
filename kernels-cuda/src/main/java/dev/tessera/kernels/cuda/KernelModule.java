package dev.tessera.kernels.cuda;

import dev.tessera.kernels.cuda.driver.CudaDriver;
import dev.tessera.kernels.cuda.driver.CudaErrors;
import dev.tessera.kernels.cuda.driver.CudaException;
import dev.tessera.kernels.cuda.driver.PtxVersion;
import dev.tessera.kernels.cuda.ptx.PtxCompileException;
import dev.tessera.kernels.cuda.ptx.PtxResolver;
import dev.tessera.kernels.cuda.ptx.PtxTarget;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Loads the kernels' PTX into the current context: the resolved PTX (packed, cached or compiled);
 * if the driver rejects its PTX version, PTX compiled on this machine; failing that, the same PTX
 * declaring the newest version the driver accepts.
 */
final class KernelModule {
    private KernelModule() {}

    record Loaded(MemorySegment module, String origin) {}

    static Loaded load(CudaDriver d, CudaDevices.Device dev, int driverVersion) {
        PtxTarget target = PtxTarget.forDevice(dev.major(), dev.minor()).orElseThrow();
        PtxResolver resolver = PtxResolver.standard();
        PtxResolver.Resolved r;
        try {
            r = resolver.resolve(target);
        } catch (PtxCompileException e) {
            throw new CudaUnavailableException(e.getMessage().lines().findFirst().orElse("no PTX"));
        }
        try {
            return new Loaded(load(d, r.ptx()), target.arch() + " PTX " + r.detail());
        } catch (CudaException e) {
            if (e.code() != CudaErrors.UNSUPPORTED_PTX_VERSION) throw e;
        }
        if (r.origin() != PtxResolver.Origin.COMPILED) {
            try {
                PtxResolver.Resolved local = resolver.compile(target);
                return new Loaded(load(d, local.ptx()), target.arch() + " PTX " + local.detail());
            } catch (PtxCompileException | CudaException e) {
                // fall through to the declared-version fallback
            }
        }
        int isa = PtxVersion.maxIsaForDriver(driverVersion);
        String lowered = PtxVersion.withVersion(r.ptx(), isa);
        return new Loaded(load(d, lowered), target.arch() + " PTX " + r.detail() + ", declared as ISA " + isa / 10 + "." + isa % 10
                + " for driver " + driverVersion);
    }

    private static MemorySegment load(CudaDriver d, String ptx) {
        try (Arena a = Arena.ofConfined()) {
            return d.moduleLoad(a.allocateFrom(ptx));
        }
    }
}
