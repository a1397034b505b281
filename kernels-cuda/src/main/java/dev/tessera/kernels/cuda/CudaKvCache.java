package dev.tessera.kernels.cuda;

import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;

/**
 * Keys and values on the device: one allocation of {@code 2·layers} planes of
 * {@code [capacity, kvHeads·headDim]} elements (F32 or F16); K planes first, then V planes.
 */
final class CudaKvCache implements KvCache {
    private final CudaBackend owner;
    private final int layers, capacity, kvHeads, headDim;
    private final TensorType type;
    final long ptr;
    private boolean closed;

    CudaKvCache(CudaBackend owner, int layers, int capacity, int kvHeads, int headDim, TensorType type, long ptr) {
        this.owner = owner;
        this.layers = layers;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.type = type;
        this.ptr = ptr;
    }

    static CudaKvCache of(KvCache c, CudaBackend owner) {
        if (!(c instanceof CudaKvCache k) || k.owner != owner) throw new IllegalArgumentException("KV cache does not belong to " + owner.name());
        if (k.closed) throw new IllegalStateException("KV cache is closed");
        return k;
    }

    int width() { return kvHeads * headDim; }

    int elementBytes() { return type == TensorType.F16 ? 2 : 4; }

    long planeBytes() { return (long) capacity * width() * elementBytes(); }

    long keys(int layer) { return ptr + layer * planeBytes(); }

    long values(int layer) { return ptr + (layers + layer) * planeBytes(); }

    @Override public int layers() { return layers; }
    @Override public int capacity() { return capacity; }
    @Override public int kvHeads() { return kvHeads; }
    @Override public int headDim() { return headDim; }
    @Override public TensorType type() { return type; }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.free(ptr);
        }
    }
}
