package dev.tessera.tensor;

/**
 * Keys and values of every layer for up to {@link #capacity()} positions, owned by a backend.
 * Rolling back is free: positions past the sequence length are simply overwritten later.
 */
public interface KvCache extends AutoCloseable {
    int layers();

    int capacity();

    int kvHeads();

    int headDim();

    /** F32 or F16. */
    TensorType type();

    @Override
    void close();
}
