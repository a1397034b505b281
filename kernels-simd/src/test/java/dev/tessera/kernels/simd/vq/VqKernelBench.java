package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.glvq.GlvqQuantizer;
import dev.tessera.quant.pvq.PvqQuantizer;
import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-thread matVec timing of the VQ kernels on a 2048×2048 Gaussian matrix, in ns per weight (best
 * of 7 rounds of thread CPU time), next to a dense F32 Vector API matVec. Not a unit test: run with
 * {@code java -cp <test+main classpath> dev.tessera.kernels.simd.vq.VqKernelBench}.
 */
public final class VqKernelBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    interface Kernel { void run(float[] x, float[] y); }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        SplittableRandom r = new SplittableRandom(1);
        float[] w = new float[n * n];
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.02 * r.nextGaussian());
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        float[] y = new float[n];
        CalibrationStats u = CalibrationStats.uniform(n);
        time("F32 dense (Vector API)", n, x, y, (a, b) -> dense(w, a, b, n));
        for (int bits : new int[] {3, 4}) {
            EncodedTensor p = PvqQuantizer.defaults().quantize(w, n, n, u, bits);
            PvqIndexedWeight pi = new PvqIndexedWeight("p", p);
            PvqTranscodedWeight pt = new PvqTranscodedWeight("p", p);
            time("PVQ-" + bits + " index decode in dot", n, x, y, pi::matVec);
            time("PVQ-" + bits + " transcoded 4-bit", n, x, y, pt::matVec);
            for (boolean allocate : new boolean[] {false, true}) {
                EncodedTensor g = new GlvqQuantizer(8, 128, 1, allocate).quantize(w, n, n, u, bits);
                GlvqWeight gw = new GlvqWeight("g", g);
                GlvqScalarWeight gs = new GlvqScalarWeight("g", g);
                String tag = "GLVQ-" + bits + (allocate ? " mixed widths" : " uniform");
                time(tag + " Vector API", n, x, y, gw::matVec);
                time(tag + " scalar", n, x, y, gs::matVec);
            }
        }
    }

    private static void dense(float[] w, float[] x, float[] y, int n) {
        for (int r = 0; r < n; r++) {
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < n; i += S.length()) acc = FloatVector.fromArray(S, w, r * n + i).fma(FloatVector.fromArray(S, x, i), acc);
            y[r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    private static void time(String name, int n, float[] x, float[] y, Kernel k) {
        // Thread CPU time, best of several rounds: the build machine is shared, wall time is noise.
        for (int i = 0; i < 5; i++) k.run(x, y);
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            int reps = 0;
            long t0 = CPU.getCurrentThreadCpuTime(), t1;
            do {
                k.run(x, y);
                reps++;
                t1 = CPU.getCurrentThreadCpuTime();
            } while (t1 - t0 < 150_000_000L);
            best = Math.min(best, (double) (t1 - t0) / reps / ((double) n * n));
        }
        System.out.printf("%-40s %7.3f ns/weight%n", name, best);
    }
}
