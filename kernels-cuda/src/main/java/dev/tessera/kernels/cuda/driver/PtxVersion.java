package dev.tessera.kernels.cuda.driver;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX ISA version a module declares ({@code .version X.Y}) and the newest one a driver accepts.
 * PTX from a newer toolkit is rejected by an older driver even when it uses no newer instruction;
 * lowering the declared version is the last resort when no matching compiler is installed (the
 * driver's JIT still rejects the module if it really needs the newer ISA).
 */
public final class PtxVersion {
    private PtxVersion() {}

    private static final Pattern VERSION = Pattern.compile("(?m)^[ \\t]*\\.version[ \\t]+(\\d+)\\.(\\d+)[ \\t]*$");

    /** The declared version as {@code major * 10 + minor}, e.g. 90 for 9.0. */
    public static int declared(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) throw new IllegalArgumentException("PTX has no .version directive");
        return Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2));
    }

    /**
     * The newest PTX ISA the driver of CUDA version {@code driverVersion} (e.g. 12040) accepts:
     * 12.0–12.5 take ISA 8.0–8.5, 12.6 takes 8.5, 12.8 takes 8.7, 12.9 takes 8.8 (PTX ISA release
     * notes); 13.x is assumed to take 9.x.
     */
    public static int maxIsaForDriver(int driverVersion) {
        int major = driverVersion / 1000, minor = (driverVersion % 1000) / 10;
        if (major >= 13) return 90 + Math.min(minor, 9);
        if (major == 12) return CUDA12_ISA[Math.min(minor, CUDA12_ISA.length - 1)];
        throw new IllegalArgumentException("CUDA driver " + major + "." + minor + " is older than 12.0");
    }

    private static final int[] CUDA12_ISA = {80, 81, 82, 83, 84, 85, 85, 85, 87, 88};

    /** {@code ptx} with its {@code .version} set to {@code isa} (as {@code major * 10 + minor}). */
    public static String withVersion(String ptx, int isa) {
        return VERSION.matcher(ptx).replaceFirst(".version " + isa / 10 + "." + isa % 10);
    }
}
