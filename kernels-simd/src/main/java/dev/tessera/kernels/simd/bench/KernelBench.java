package dev.tessera.kernels.simd.bench;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Matrix-vector (and batched) throughput per weight type through {@link CpuBackend#matmul}.
 * Each measurement cycles through enough copies of the matrix to exceed the caches, so the
 * figure is "weight bytes streamed per second" as in a real decode step.
 */
public final class KernelBench {
    /** One measured configuration; GB/s counts the weight's bytes in its file format. */
    public record Result(TensorType type, int rows, int cols, int batch, int threads, double minMs, double medianMs,
                         double bestGbs, double medianGbs) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-5s %6d x %-5d n=%-3d t=%d  min %8.3f ms  median %8.3f ms  %6.2f GB/s best  %6.2f GB/s median",
                    type, rows, cols, batch, threads, minMs, medianMs, bestGbs, medianGbs);
        }
    }

    public static final int[][] DEFAULT_SHAPES = {{2048, 2048}, {8192, 2048}, {2048, 8192}, {128256, 2048}};
    public static final List<TensorType> DEFAULT_TYPES = List.of(TensorType.Q4_0, TensorType.Q8_0, TensorType.F16);

    private KernelBench() {}

    /**
     * Measures every type × shape with {@code threads} threads and {@code batch} activation rows,
     * {@code reps} timed calls each (after warm-up), cycling over at least {@code footprintMb} MB of copies.
     */
    public static List<Result> run(List<TensorType> types, int[][] shapes, int threads, int batch, int reps, int footprintMb) {
        List<Result> results = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(threads)) {
            for (TensorType type : types) {
                for (int[] shape : shapes) results.add(measure(cpu, type, shape[0], shape[1], batch, reps, footprintMb));
            }
        }
        return results;
    }

    private static Result measure(CpuBackend cpu, TensorType type, int rows, int cols, int batch, int reps, int footprintMb) {
        long bytes = type.bytesFor((long) rows * cols);
        int copies = (int) Math.max(1, Math.min(256, (long) footprintMb * 1_000_000 / bytes + 1));
        try (Arena arena = Arena.ofShared()) {
            Weight[] ws = new Weight[copies];
            for (int c = 0; c < copies; c++) {
                Tensor t = RandomTensors.of("bench." + c, type, rows, cols, c, arena);
                ws[c] = cpu.load(t);
            }
            Buffer x = cpu.allocate((long) batch * cols);
            float[] xs = new float[batch * cols];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(i * 0.37);
            x.write(0, xs);
            Buffer out = cpu.allocate((long) batch * rows);
            int warm = Math.max(2 * copies, 300);
            for (int i = 0; i < warm; i++) cpu.matmul(ws[i % copies], x, batch, out);
            long[] ns = new long[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                cpu.matmul(ws[i % copies], x, batch, out);
                ns[i] = System.nanoTime() - t0;
            }
            Arrays.sort(ns);
            double min = ns[0] / 1e6, med = ns[reps / 2] / 1e6;
            return new Result(type, rows, cols, batch, cpu.threads(), min, med, bytes / (min * 1e6), bytes / (med * 1e6));
        }
    }

    /** {@code [--types q4_0,q8_0,f16] [--threads 2] [--batch 1] [--reps 50] [--footprint-mb 600] [--shapes 8192x2048,...]} */
    public static void main(String[] args) {
        List<TensorType> types = DEFAULT_TYPES;
        int[][] shapes = DEFAULT_SHAPES;
        int threads = 2, batch = 1, reps = 50, footprint = 600;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException("option " + args[i] + ": expected a value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--types" -> types = Arrays.stream(v.split(",")).map(s -> TensorType.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--reps" -> reps = Integer.parseInt(v);
                case "--footprint-mb" -> footprint = Integer.parseInt(v);
                case "--shapes" -> shapes = Arrays.stream(v.split(",")).map(s -> {
                    String[] p = s.trim().split("x");
                    return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
                }).toArray(int[][]::new);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + ": expected --types, --threads, --batch, --reps, --footprint-mb or --shapes");
            }
        }
        for (Result r : run(types, shapes, threads, batch, reps, footprint)) System.out.println(r);
    }
}
