package dev.tessera.model.weights;

import dev.tessera.model.FormatException;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.Weight;
import java.util.Optional;

/** Hands weights of a {@link WeightSource} to a backend, checking each shape against the config. */
public final class WeightLoader {
    private final WeightSource source;
    private final Backend backend;

    public WeightLoader(WeightSource source, Backend backend) {
        this.source = source;
        this.backend = backend;
    }

    public WeightSource source() { return source; }

    /** A {@code rows × cols} matrix. */
    public Weight matrix(String name, long rows, long cols) {
        return backend.load(checked(source.require(name), rows, cols));
    }

    /** A vector of {@code length} (norm weights, biases). */
    public Weight vector(String name, long length) {
        return backend.load(checked(source.require(name), 1, length));
    }

    public Optional<Weight> optionalVector(String name, long length) {
        return source.tensor(name).map(t -> backend.load(checked(t, 1, length)));
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
            out[i] = backend.load(part);
            r += parts[i];
        }
        return out;
    }

    private Tensor checked(Tensor t, long rows, long cols) {
        if (t.cols() != cols || t.rows() != rows) {
            throw FormatException.of(source.path(), "tensor " + t.name(), "shape " + t.shape() + ", expected "
                    + (rows == 1 ? "[" + cols + "]" : "[" + rows + ", " + cols + "]"));
        }
        return t;
    }
}
