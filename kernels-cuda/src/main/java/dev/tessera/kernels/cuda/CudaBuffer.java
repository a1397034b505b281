package dev.tessera.kernels.cuda;

import dev.tessera.tensor.Buffer;

/** F32 activations in device memory: {@code size} floats from device address {@code ptr}. */
final class CudaBuffer implements Buffer {
    private final CudaBackend owner;
    final long ptr;
    private final long size;

    CudaBuffer(CudaBackend owner, long ptr, long size) {
        this.owner = owner;
        this.ptr = ptr;
        this.size = size;
    }

    static CudaBuffer of(Buffer b, CudaBackend owner) {
        if (!(b instanceof CudaBuffer c) || c.owner != owner) {
            throw new IllegalArgumentException("buffer does not belong to " + owner.name());
        }
        return c;
    }

    @Override
    public long size() { return size; }

    @Override
    public Buffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + length) + ") of a buffer of " + size);
        }
        return new CudaBuffer(owner, ptr + 4 * offset, length);
    }

    @Override
    public void read(long offset, float[] dst) {
        check(offset, dst.length);
        owner.download(ptr + 4 * offset, dst);
    }

    @Override
    public void write(long offset, float[] src) {
        check(offset, src.length);
        owner.upload(ptr + 4 * offset, src);
    }

    private void check(long offset, int length) {
        if (offset < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("floats [" + offset + ", " + (offset + length) + ") of a buffer of " + size);
        }
    }
}
