package dev.tessera.kernels.cuda.ptx;

import java.util.List;
import java.util.Optional;

/** A virtual architecture Tessera builds PTX for; the driver JIT-compiles it for the actual GPU. */
public enum PtxTarget {
    COMPUTE_80("compute_80", "sm_80"),
    COMPUTE_90("compute_90", "sm_90");

    public static final List<PtxTarget> ALL = List.of(values());

    private final String arch;
    private final String sm;

    PtxTarget(String arch, String sm) {
        this.arch = arch;
        this.sm = sm;
    }

    /** The virtual architecture, e.g. {@code compute_80}. */
    public String arch() { return arch; }

    /** The matching real architecture, e.g. {@code sm_80}. */
    public String sm() { return sm; }

    /**
     * The newest target a device of compute capability {@code major.minor} can run (PTX is
     * forward compatible), or empty below 8.0.
     */
    public static Optional<PtxTarget> forDevice(int major, int minor) {
        if (major >= 9) return Optional.of(COMPUTE_90);
        if (major == 8) return Optional.of(COMPUTE_80);
        return Optional.empty();
    }
}
