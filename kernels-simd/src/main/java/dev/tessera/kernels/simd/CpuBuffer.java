package dev.tessera.kernels.simd;

import dev.tessera.tensor.Buffer;

import java.util.Objects;

/**
 * A CPU activation buffer: a window of a heap {@code float[]}. Heap arrays give the Vector API its
 * fastest loads ({@code fromArray}) and activations are small, so nothing here is off-heap.
 */
public final class CpuBuffer implements Buffer {
    final float[] data;
    final int offset;
    final int length;

    CpuBuffer(float[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        this.data = data;
        this.offset = offset;
        this.length = length;
    }

    /** The buffer of {@code b}, which must come from a CPU backend. */
    static CpuBuffer of(Buffer b) {
        if (b instanceof CpuBuffer c) return c;
        throw new IllegalArgumentException("buffer " + b.getClass().getName() + " does not belong to the CPU backend");
    }

    @Override
    public long size() { return length; }

    @Override
    public Buffer slice(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, this.length);
        return new CpuBuffer(data, this.offset + (int) offset, (int) length);
    }

    @Override
    public void read(long offset, float[] dst) {
        Objects.checkFromIndexSize(offset, dst.length, length);
        System.arraycopy(data, this.offset + (int) offset, dst, 0, dst.length);
    }

    @Override
    public void write(long offset, float[] src) {
        Objects.checkFromIndexSize(offset, src.length, length);
        System.arraycopy(src, 0, data, this.offset + (int) offset, src.length);
    }
}
