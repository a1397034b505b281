package dev.tessera.model.quantize;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.GgufValueType;
import dev.tessera.model.gguf.GgufWriter;
import dev.tessera.model.io.AtomicFile;
import dev.tessera.model.io.ByteSource;
import dev.tessera.model.weights.WeightSources;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An importance matrix as llama.cpp's {@code llama-imatrix} makes it: for each weight matrix, the
 * mean of x² over the calibration tokens for every input column. The K-quant and legacy
 * quantizers weigh each column's rounding error by it. Reads and writes llama.cpp's two file
 * formats: the legacy {@code .dat} (sums scaled by the call count) and the GGUF one
 * ({@code <name>.in_sum2} and {@code <name>.counts} tensors).
 *
 * @param values per tensor name, mean x² per input column
 * @param chunks calibration chunks the statistics cover
 */
public record Imatrix(Map<String, float[]> values, int chunks) {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Imatrix {
        values = Map.copyOf(values);
    }

    /** The row for {@code name}, or null when there is none. */
    public float[] get(String name) {
        return values.get(name);
    }

    /** Reads a llama.cpp imatrix file in either format. */
    public static Imatrix load(Path path) {
        if (!Files.isRegularFile(path)) throw new FormatException("--imatrix " + path + ": no such file");
        return WeightSources.isGguf(path) ? loadGguf(path) : loadDat(path);
    }

    private static Imatrix loadGguf(Path path) {
        try (GgufFile f = GgufFile.open(path)) {
            Map<String, float[]> out = new TreeMap<>();
            for (var info : f.tensorInfos()) {
                String n = info.name();
                if (!n.endsWith(".in_sum2")) continue;
                String base = n.substring(0, n.length() - ".in_sum2".length());
                if (!f.hasTensor(base + ".counts")) throw FormatException.of(path, "tensor " + base + ".counts", "missing");
                Tensor sums = f.tensor(n);
                Tensor counts = f.tensor(base + ".counts");
                if (sums.type() != TensorType.F32 || counts.type() != TensorType.F32) {
                    throw FormatException.of(path, "tensor " + n, "expected F32 sums and counts");
                }
                int cols = (int) sums.cols();
                long mats = sums.rows();
                float[] v = new float[(int) (cols * mats)];
                for (long m = 0; m < mats; m++) {
                    float c = counts.data().getAtIndex(F32, m);
                    for (int j = 0; j < cols; j++) {
                        float s = sums.data().getAtIndex(F32, m * cols + j);
                        v[(int) (m * cols + j)] = c > 0 ? s / c : 0f;
                    }
                }
                out.put(base, v);
            }
            int chunks = f.metadata().integer("imatrix.chunk_count").map(Long::intValue).orElse(0);
            if (out.isEmpty()) throw FormatException.of(path, "tensors", "no <name>.in_sum2 entries; not an imatrix file");
            return new Imatrix(out, chunks);
        }
    }

    private static Imatrix loadDat(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new FormatException(path + ": cannot read: " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int n = b.getInt();
            if (n < 1 || n > 1_000_000) throw FormatException.of(path, "entry count", "expected 1..1000000, found " + n);
            Map<String, float[]> out = new TreeMap<>();
            int maxCalls = 0;
            for (int i = 0; i < n; i++) {
                int len = b.getInt();
                if (len < 1 || len > 4096) throw FormatException.of(path, "entry #" + i + " name length", "found " + len);
                byte[] name = new byte[len];
                b.get(name);
                int calls = b.getInt();
                int count = b.getInt();
                if (count < 1 || count > b.remaining() / 4) throw FormatException.of(path, "entry #" + i + " value count", "found " + count);
                float[] v = new float[count];
                for (int j = 0; j < count; j++) {
                    float x = b.getFloat();
                    v[j] = calls > 0 ? x / calls : x;
                }
                maxCalls = Math.max(maxCalls, calls);
                out.put(new String(name, StandardCharsets.UTF_8), v);
            }
            int chunks = b.remaining() >= 4 ? b.getInt() : maxCalls;
            return new Imatrix(out, chunks);
        } catch (java.nio.BufferUnderflowException e) {
            throw FormatException.of(path, "imatrix data", "truncated");
        }
    }

    /** Writes the GGUF format when {@code path} ends in {@code .gguf}, else the legacy {@code .dat}. */
    public void save(Path path) throws IOException {
        if (path.getFileName().toString().endsWith(".gguf")) saveGguf(path);
        else saveDat(path);
    }

    private void saveGguf(Path path) throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.type", GgufValue.string("imatrix"));
        w.put("imatrix.chunk_count", GgufValue.uint32(chunks));
        w.put("imatrix.datasets", GgufValue.array(GgufValueType.STRING, List.of("tessera")));
        for (var e : new TreeMap<>(values).entrySet()) {
            float[] v = e.getValue();
            // Counts of 1 make the stored sums the means themselves.
            w.tensor(e.getKey() + ".in_sum2", TensorType.F32, Shape.of(1, v.length), ByteSource.of(floats(v)));
            w.tensor(e.getKey() + ".counts", TensorType.F32, Shape.of(1, 1), ByteSource.of(floats(new float[] {1f})));
        }
        w.write(path);
    }

    private void saveDat(Path path) throws IOException {
        byte[] dataset = "tessera".getBytes(StandardCharsets.UTF_8);
        int size = 4 + 4 + 4 + dataset.length;
        for (var e : values.entrySet()) size += 12 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 * e.getValue().length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(values.size());
        for (var e : new TreeMap<>(values).entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putInt(name.length).put(name);
            int calls = Math.max(1, chunks);
            b.putInt(calls).putInt(e.getValue().length);
            for (float x : e.getValue()) b.putFloat(x * calls);
        }
        b.putInt(chunks).putInt(dataset.length).put(dataset);
        b.flip();
        AtomicFile.write(path, ch -> {
            while (b.hasRemaining()) ch.write(b);
        });
    }

    private static MemorySegment floats(float[] v) {
        MemorySegment s = MemorySegment.ofArray(new byte[4 * v.length]);
        for (int i = 0; i < v.length; i++) s.setAtIndex(F32, i, v[i]);
        return s;
    }
}
