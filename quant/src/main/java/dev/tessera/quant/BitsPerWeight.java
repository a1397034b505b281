package dev.tessera.quant;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

/**
 * Bits per weight, the figure llama.cpp prints for a quantized model: stored bits (including
 * block scales) divided by element count. For one type it is {@link TensorType#bitsPerWeight()}.
 */
public final class BitsPerWeight {
    private BitsPerWeight() {}

    /** Bits per weight of one type (e.g. 4.5 for Q4_K, 6.5625 for Q6_K). */
    public static double of(TensorType type) {
        return type.bitsPerWeight();
    }

    /** Average over tensors of mixed types, weighted by element count (e.g. a Q4_K_M model). */
    public static double average(Iterable<Tensor> tensors) {
        long bytes = 0, elements = 0;
        for (Tensor t : tensors) {
            bytes = Math.addExact(bytes, t.data().byteSize());
            elements = Math.addExact(elements, t.shape().size());
        }
        if (elements == 0) throw new IllegalArgumentException("bits per weight of no tensors");
        return bytes * 8.0 / elements;
    }
}
