package dev.tessera.model.weights;

import dev.tessera.model.FormatException;
import dev.tessera.model.LoadTrace;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Hands weights of a {@link WeightSource} to a backend, checking each shape against the config. */
public final class WeightLoader {
    private final WeightSource source;
    private final Backend backend;
    /** With {@link LoadTrace} on: per tensor type, nanoseconds in {@link Backend#load} and bytes handed to it. */
    private final Map<TensorType, long[]> traced = new EnumMap<>(TensorType.class);

    public WeightLoader(WeightSource source, Backend backend) {
        this.source = source;
        this.backend = backend;
    }

    public WeightSource source() { return source; }

    /** A {@code rows × cols} matrix. */
    public Weight matrix(String name, long rows, long cols) {
        return load(checked(source.require(name), rows, cols));
    }

    /** A vector of {@code length} (norm weights, biases). */
    public Weight vector(String name, long length) {
        return load(checked(source.require(name), 1, length));
    }

    public Optional<Weight> optionalVector(String name, long length) {
        return source.tensor(name).map(t -> load(checked(t, 1, length)));
    }

    public boolean has(String name) { return source.tensor(name).isPresent(); }

    /**
     * Splits a matrix fused along its rows (Phi-3's {@code attn_qkv}, {@code ffn_up} holding gate and up)
     * into consecutive parts of {@code parts[i]} rows each. The parts are views, never copies.
     */
    public Weight[] splitRows(String name, long cols, long... parts) {
        long total = 0;
        for (long p : parts) total += p;
        Tensor t = checked(source.require(name), total, cols);
        long rowBytes = t.rowBytes();
        Weight[] out = new Weight[parts.length];
        long r = 0;
        for (int i = 0; i < parts.length; i++) {
            Tensor part = new Tensor(name + "[" + i + "]", t.type(), Shape.of(parts[i], cols),
                    t.data().asSlice(r * rowBytes, parts[i] * rowBytes));
            out[i] = load(part);
            r += parts[i];
        }
        return out;
    }

    private Weight load(Tensor t) {
        if (!LoadTrace.ON) return backend.load(t);
        long t0 = System.nanoTime();
        Weight w = backend.load(t);
        long[] acc = traced.computeIfAbsent(t.type(), k -> new long[2]);
        acc[0] += System.nanoTime() - t0;
        acc[1] += t.data().byteSize();
        return w;
    }

    /** Prints, with {@link LoadTrace} on, the time the backend took per tensor type. */
    public void traceSummary() {
        traced.forEach((type, acc) -> LoadTrace.note("backend load of " + type + " tensors (" + acc[1] / (1 << 20) + " MiB)", acc[0]));
    }

    private Tensor checked(Tensor t, long rows, long cols) {
        if (t.cols() != cols || t.rows() != rows) {
            throw FormatException.of(source.path(), "tensor " + t.name(), "shape " + t.shape() + ", expected "
                    + (rows == 1 ? "[" + cols + "]" : "[" + rows + ", " + cols + "]"));
        }
        return t;
    }
}
