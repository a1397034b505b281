package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opens the CUDA backend for GPU tests, or skips them with the probe's reason. */
final class Gpu {
    private Gpu() {}

    static CudaBackend open() {
        CudaDevices.Probe p = CudaDevices.probe();
        assumeTrue(p.available(), "CUDA not available: " + p.reason());
        return CudaBackend.open(Integer.getInteger("tessera.cuda.device", 0));
    }

    /** Largest |a - b|, with the index, for messages. */
    static String maxDiff(float[] a, float[] b) {
        double worst = -1;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d) || d > worst) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                at = i;
            }
        }
        return "max |diff| " + worst + " at " + at + (at >= 0 ? " (" + a[at] + " vs " + b[at] + ")" : "");
    }

    /** Fails unless every |a - b| <= tol * max(1, max|b|). */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        double scale = 1;
        for (float f : expected) scale = Math.max(scale, Math.abs(f));
        if (expected.length != actual.length) throw new AssertionError(what + ": length " + actual.length + " != " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= tol * scale)) {
                throw new AssertionError(what + ": " + maxDiff(expected, actual) + " exceeds " + tol * scale);
            }
        }
    }
}
