package dev.tessera.tensor;

/**
 * A backend-resident F32 activation buffer (host memory on the CPU, device memory on a GPU).
 * Sizes and offsets count floats. A slice shares storage with its parent.
 */
public interface Buffer {
    /** Number of floats. */
    long size();

    /** A view of {@code length} floats from {@code offset}. */
    Buffer slice(long offset, long length);

    /** Copies {@code dst.length} floats starting at {@code offset} to the host. */
    void read(long offset, float[] dst);

    /** Copies {@code src} into this buffer starting at {@code offset}. */
    void write(long offset, float[] src);
}
