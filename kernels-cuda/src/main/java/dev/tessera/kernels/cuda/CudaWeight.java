package dev.tessera.kernels.cuda;

import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/** A weight copied to the device in its own block layout ({@code rowBytes} per row). */
record CudaWeight(String name, TensorType type, long rows, long cols, long ptr, long rowBytes) implements Weight {
    static CudaWeight of(Weight w) {
        if (!(w instanceof CudaWeight c)) throw new IllegalArgumentException("weight " + w.name() + " was not loaded by the CUDA backend");
        return c;
    }
}
