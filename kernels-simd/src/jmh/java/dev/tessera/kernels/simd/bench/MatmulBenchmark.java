package dev.tessera.kernels.simd.bench;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * {@link CpuBackend#matmul} per weight type and shape. The weights cycle over enough copies to
 * exceed the caches (as a decode step streams them); {@code batch > 1} measures the prefill path.
 * GB/s = weight bytes of one matrix ÷ the reported time per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class MatmulBenchmark {
    @Param({"Q4_0", "Q8_0", "F16"})
    public String type;

    @Param({"2048x2048", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"1"})
    public int batch;

    @Param({"2"})
    public int threads;

    @Param({"600"})
    public int footprintMb;

    private CpuBackend cpu;
    private Arena arena;
    private Weight[] weights;
    private Buffer x;
    private Buffer out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        int rows = Integer.parseInt(p[0]), cols = Integer.parseInt(p[1]);
        TensorType t = TensorType.valueOf(type);
        long bytes = t.bytesFor((long) rows * cols);
        int copies = (int) Math.max(1, Math.min(256, (long) footprintMb * 1_000_000 / bytes + 1));
        cpu = new CpuBackend(threads);
        arena = Arena.ofShared();
        weights = new Weight[copies];
        for (int c = 0; c < copies; c++) weights[c] = cpu.load(RandomTensors.of("jmh." + c, t, rows, cols, c, arena));
        x = cpu.allocate((long) batch * cols);
        float[] xs = new float[batch * cols];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(i * 0.37);
        x.write(0, xs);
        out = cpu.allocate((long) batch * rows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }

    @Benchmark
    public Buffer matmul() {
        Weight w = weights[next];
        next = next + 1 == weights.length ? 0 : next + 1;
        cpu.matmul(w, x, batch, out);
        return out;
    }
}
