package dev.tessera.tensor;

/**
 * A weight tensor prepared by a {@link Backend} (a view of the mmap'd file on the CPU, possibly
 * repacked; a device copy on a GPU). Seen as a matrix of {@link #rows()} × {@link #cols()}.
 */
public interface Weight {
    String name();

    TensorType type();

    long rows();

    long cols();

    /** Bytes of the weight as stored in the model file (what a matrix-vector product reads). */
    default long bytes() { return type().bytesFor(rows() * cols()); }
}
