package dev.tessera.kernels.cuda;

import dev.tessera.kernels.cuda.driver.CudaDriver;
import dev.tessera.kernels.cuda.driver.CudaException;
import dev.tessera.kernels.cuda.driver.DriverApi;
import dev.tessera.kernels.cuda.ptx.PtxTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What CUDA offers on this machine, and why not when it offers nothing: for {@code tessera info
 * --devices} and for choosing {@code --device cuda[:N]}. Probing never throws.
 */
public final class CudaDevices {
    private CudaDevices() {}

    /** Tessera's kernels need Ampere (8.0) or newer. */
    public static final int MIN_MAJOR = 8;
    /** Oldest driver API accepted (CUDA 12.0), for the {@code _v2} entry points and graph updates. */
    public static final int MIN_DRIVER = 12000;

    /** One GPU: ordinal, name, compute capability, memory, SM count, and whether Tessera can use it. */
    public record Device(int ordinal, String name, int major, int minor, long totalMemory, int multiprocessors) {
        public boolean supported() { return PtxTarget.forDevice(major, minor).isPresent(); }

        /** E.g. {@code cuda:0  NVIDIA H100 80GB HBM3  sm_90  79.1 GiB  132 SMs}. */
        public String describe() {
            return String.format("cuda:%d  %s  sm_%d%d  %.1f GiB  %d SMs%s", ordinal, name, major, minor,
                    totalMemory / (1024.0 * 1024 * 1024), multiprocessors,
                    supported() ? "" : "  (unsupported: compute capability below " + MIN_MAJOR + ".0)");
        }
    }

    /**
     * The outcome of a probe: {@code available()} when at least one supported device was found;
     * otherwise {@code reason()} says why not (no driver library, no device, old driver...).
     */
    public record Probe(boolean available, String reason, String library, int driverVersion, List<Device> devices) {
        public Probe {
            devices = List.copyOf(devices);
        }

        /** Driver version as {@code major.minor}, or {@code "-"} when unknown. */
        public String driverVersionText() {
            return driverVersion <= 0 ? "-" : driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
        }

        /**
         * Lines for {@code tessera info --devices}: {@code CUDA: driver 12.4 (libcuda.so.1)} and one line
         * per device, or {@code CUDA: not available: <reason>}.
         */
        public List<String> summary() {
            List<String> out = new ArrayList<>();
            if (driverVersion > 0) out.add("CUDA: driver " + driverVersionText() + " (" + library + ")" + (available ? "" : ", not available: " + reason));
            else out.add("CUDA: not available: " + reason);
            for (Device d : devices) out.add("  " + d.describe());
            return out;
        }

        /** The device of ordinal {@code n}, or a {@link CudaUnavailableException} saying why it cannot be used. */
        public Device require(int n) {
            if (!available) throw new CudaUnavailableException(reason);
            for (Device d : devices) {
                if (d.ordinal() == n) {
                    if (!d.supported()) throw new CudaUnavailableException("cuda:" + n + " (" + d.name() + ") has compute capability "
                            + d.major() + "." + d.minor() + ", below " + MIN_MAJOR + ".0");
                    return d;
                }
            }
            throw new CudaUnavailableException("no device cuda:" + n + " (" + devices.size() + " device"
                    + (devices.size() == 1 ? "" : "s") + " found)");
        }
    }

    /** Probes the default driver library ({@link CudaDriver#libraryName()}). */
    public static Probe probe() {
        return probe(CudaDriver.libraryName());
    }

    static Probe probe(String library) {
        String[] why = new String[1];
        Optional<CudaDriver> loaded = CudaDriver.load(library, why);
        if (loaded.isEmpty()) return new Probe(false, why[0], library, 0, List.of());
        CudaDriver d = loaded.get();
        int version = 0;
        try {
            d.init();
            version = d.driverVersion();
            if (version < MIN_DRIVER) {
                return new Probe(false, "driver supports CUDA " + version / 1000 + "." + (version % 1000) / 10
                        + "; 12.0 or newer is needed", library, version, List.of());
            }
            int count = d.deviceCount();
            List<Device> devices = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int dev = d.device(i);
                devices.add(new Device(i, d.deviceName(dev),
                        d.deviceAttribute(DriverApi.DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                        d.deviceAttribute(DriverApi.DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
                        d.deviceTotalMemory(dev),
                        d.deviceAttribute(DriverApi.DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev)));
            }
            if (devices.isEmpty()) return new Probe(false, "no CUDA device found", library, version, devices);
            if (devices.stream().noneMatch(Device::supported)) {
                return new Probe(false, "no device with compute capability " + MIN_MAJOR + ".0 or newer", library, version, devices);
            }
            return new Probe(true, "", library, version, devices);
        } catch (CudaException e) {
            return new Probe(false, e.getMessage(), library, version, List.of());
        }
    }

    /** The driver of a successful probe (loads the library again; binding is cheap). */
    static CudaDriver driver(Probe p) {
        String[] why = new String[1];
        return CudaDriver.load(p.library(), why).orElseThrow(() -> new CudaUnavailableException(why[0]));
    }
}
