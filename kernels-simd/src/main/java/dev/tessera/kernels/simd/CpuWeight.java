package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/**
 * A weight as the CPU backend keeps it: the original bytes (usually an mmap'd file region) and,
 * for one-dimensional tensors (norm gains, biases), a float copy so elementwise ops read floats.
 */
final class CpuWeight implements Weight {
    final Tensor tensor;
    /** Decoded values of a rank-1 tensor, else null. */
    final float[] vector;
    /** The matrix in its kernel's layout. */
    final PackedWeight packed;

    CpuWeight(Tensor tensor, float[] vector, PackedWeight packed) {
        this.tensor = tensor;
        this.vector = vector;
        this.packed = packed;
    }

    static CpuWeight of(Weight w) {
        if (w instanceof CpuWeight c) return c;
        throw new IllegalArgumentException("weight " + w.name() + " does not belong to the CPU backend");
    }

    /** The float values of a vector weight (rank 1, or a single row). */
    float[] vector() {
        if (vector == null) throw new IllegalArgumentException("weight " + name() + " " + tensor.shape() + ": expected a vector");
        return vector;
    }

    @Override public String name() { return tensor.name(); }
    @Override public TensorType type() { return tensor.type(); }
    @Override public long rows() { return tensor.rows(); }
    @Override public long cols() { return tensor.cols(); }
}
