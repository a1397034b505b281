package dev.tessera.kernels.simd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the machine's read bandwidth the way decode reads weights: threads streaming disjoint
 * slices of a buffer much larger than the caches, summing with SIMD loads. The best of several
 * passes is the roofline that decode speed is compared with.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {}

    /** Best read bandwidth in bytes per second over {@code passes} passes of {@code bytes} with {@code threads} threads. */
    public static double measure(long bytes, int threads, int passes) {
        long per = bytes / threads / (S.length() * 4L * 4) * (S.length() * 4L * 4);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(per * threads, 64);
            buf.fill((byte) 1);
            double best = 0;
            float[] sink = new float[threads];
            for (int pass = 0; pass < passes; pass++) {
                Thread[] ts = new Thread[threads];
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    ts[t] = Thread.ofPlatform().start(() -> sink[id] += sum(buf.asSlice(id * per, per)));
                }
                for (Thread t : ts) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return best;
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, per * threads / seconds);
            }
            if (Float.isNaN(sink[0])) System.out.print(""); // keep the sums alive
            return best;
        }
    }

    private static float sum(MemorySegment s) {
        FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S), c = FloatVector.zero(S), d = FloatVector.zero(S);
        long step = S.length() * 4L;
        for (long off = 0; off < s.byteSize(); off += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(S, s, off, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(S, s, off + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(S, s, off + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(S, s, off + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        for (int t = 1; t <= threads; t++) {
            System.out.printf("%d thread(s): %.1f GB/s%n", t, measure(1L << 30, t, 8) / 1e9);
        }
    }
}
