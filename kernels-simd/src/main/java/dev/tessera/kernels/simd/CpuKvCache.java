package dev.tessera.kernels.simd;

import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;

/**
 * Keys and values per layer, slot-major: element {@code (slot, kvHead, d)} of a layer is at
 * {@code (slot·kvHeads + kvHead)·headDim + d}. F32 caches use {@code float[]}, F16 caches
 * {@code short[]} holding IEEE half bits.
 */
final class CpuKvCache implements KvCache {
    private final int layers;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final TensorType type;
    final float[][] keysF32;
    final float[][] valuesF32;
    final short[][] keysF16;
    final short[][] valuesF16;

    CpuKvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        if (layers <= 0 || capacity <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("kv cache " + layers + " layers × " + capacity + " × " + kvHeads
                    + " × " + headDim + ": expected positive sizes");
        }
        long perLayer = (long) capacity * kvHeads * headDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("kv cache capacity " + capacity + ": too large for one layer ("
                    + perLayer + " elements)");
        }
        this.layers = layers;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.type = type;
        int size = (int) perLayer;
        switch (type) {
            case F32 -> {
                keysF32 = new float[layers][size];
                valuesF32 = new float[layers][size];
                keysF16 = null;
                valuesF16 = null;
            }
            case F16 -> {
                keysF32 = null;
                valuesF32 = null;
                keysF16 = new short[layers][size];
                valuesF16 = new short[layers][size];
            }
            default -> throw new IllegalArgumentException("kv cache type " + type + ": expected F32 or F16");
        }
    }

    static CpuKvCache of(KvCache c) {
        if (c instanceof CpuKvCache k) return k;
        throw new IllegalArgumentException("kv cache " + c.getClass().getName() + " does not belong to the CPU backend");
    }

    /** Floats in one slot (all kv heads). */
    int slotWidth() { return kvHeads * headDim; }

    @Override public int layers() { return layers; }
    @Override public int capacity() { return capacity; }
    @Override public int kvHeads() { return kvHeads; }
    @Override public int headDim() { return headDim; }
    @Override public TensorType type() { return type; }
    @Override public void close() {}
}
