package dev.tessera.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A named, typed view over bytes: heap, native memory, or a read-only mmap of a file region.
 * The segment holds exactly the tensor's bytes, rows back to back.
 */
public record Tensor(String name, TensorType type, Shape shape, MemorySegment data) {
    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        if (type.hasFixedBlocks()) {
            long need = type.bytesFor(shape.size());
            if (data.byteSize() != need) {
                throw new IllegalArgumentException("tensor " + name + ": " + type + " " + shape + " needs "
                        + need + " bytes, got " + data.byteSize());
            }
        }
    }

    /** Rows of the tensor seen as a matrix (all but the innermost dimension). */
    public long rows() { return shape.rows(); }

    /** Elements per row (the innermost dimension). */
    public long cols() { return shape.cols(); }

    /** Bytes of one row. */
    public long rowBytes() { return data.byteSize() / rows(); }

    /** The bytes of row {@code r}. */
    public MemorySegment row(long r) {
        long rb = rowBytes();
        return data.asSlice(r * rb, rb);
    }
}
