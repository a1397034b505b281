package dev.tessera.model.gguf;

import dev.tessera.model.FormatException;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * How Tessera stores tensors of its own types (INT8_G*, INT4_G*, ...) in GGUF without inventing
 * ggml type ids (quant-formats.md section 6.2): the bytes go in as a one-dimensional {@code I8}
 * tensor and two keys give the real type and shape. Files holding such tensors carry
 * {@link #FORMAT_VERSION_KEY}; llama.cpp refuses them on the tensor shapes.
 */
public final class ProjectTensors {
    /** Version of this storage convention; readers refuse newer versions. */
    public static final int FORMAT_VERSION = 1;
    public static final String FORMAT_VERSION_KEY = "tessera.format_version";
    private static final String TYPE_PREFIX = "tessera.qtype.";
    private static final String SHAPE_PREFIX = "tessera.shape.";

    private ProjectTensors() {}

    /** Adds {@code name} of project type {@code type} and logical {@code shape} to {@code w}. */
    public static void add(GgufWriter w, String name, TensorType type, Shape shape, dev.tessera.model.io.ByteSource data) {
        if (type.isGgml()) throw new IllegalArgumentException("tensor " + name + ": " + type + " is a ggml type");
        w.put(FORMAT_VERSION_KEY, GgufValue.uint32(FORMAT_VERSION));
        w.put(TYPE_PREFIX + name, GgufValue.string(type.name()));
        List<Long> ne = new ArrayList<>();
        for (long d : shape.toGguf()) ne.add(d);
        w.put(SHAPE_PREFIX + name, GgufValue.array(GgufValueType.UINT64, ne));
        w.tensor(name, TensorType.I8, Shape.of(data.byteSize()), data);
    }

    /**
     * The tensor {@code name} of {@code f} with its real type and shape: a project-typed tensor is
     * reinterpreted from its keys, any other is returned as stored.
     */
    public static Tensor tensor(GgufFile f, String name) {
        Tensor raw = f.tensor(name);
        Metadata md = f.metadata();
        String typeName = md.string(TYPE_PREFIX + name).orElse(null);
        if (typeName == null) return raw;
        long version = md.integer(FORMAT_VERSION_KEY).orElse(0L);
        if (version < 1 || version > FORMAT_VERSION) {
            throw FormatException.of(f.path(), FORMAT_VERSION_KEY, "expected 1.." + FORMAT_VERSION + ", found " + version);
        }
        TensorType type;
        try {
            type = TensorType.valueOf(typeName);
        } catch (IllegalArgumentException e) {
            throw FormatException.of(f.path(), TYPE_PREFIX + name, "unknown tensor type " + typeName);
        }
        if (type.isGgml()) throw FormatException.of(f.path(), TYPE_PREFIX + name, typeName + " is a ggml type");
        int[] ne = md.ints(SHAPE_PREFIX + name).orElseThrow(() -> FormatException.of(f.path(), SHAPE_PREFIX + name, "missing"));
        long[] dims = new long[ne.length];
        for (int i = 0; i < ne.length; i++) dims[i] = ne[i];
        if (raw.type() != TensorType.I8 || raw.shape().rank() != 1) {
            throw FormatException.of(f.path(), "tensor " + name, "a " + typeName + " tensor must be stored as 1-D I8 bytes");
        }
        Shape shape = Shape.fromGguf(dims);
        // GLVQ/PVQ tensors describe their own layout (their blob is checked when a backend loads it)
        if (type.hasFixedBlocks() && (shape.cols() % type.blockLength() != 0 || type.bytesFor(shape.size()) != raw.data().byteSize())) {
            throw FormatException.of(f.path(), SHAPE_PREFIX + name, "shape " + shape + " of " + typeName + " does not match its "
                    + raw.data().byteSize() + " bytes");
        }
        return new Tensor(name, type, shape, raw.data());
    }
}
