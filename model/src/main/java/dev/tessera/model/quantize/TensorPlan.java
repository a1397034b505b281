package dev.tessera.model.quantize;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

/**
 * What happens to one tensor: copied as it is ({@code convert == false}) or converted to
 * {@code target}.
 *
 * @param importance the imatrix row used for this tensor, or null
 */
public record TensorPlan(Tensor source, TensorType target, boolean convert, float[] importance) {
    public String name() { return source.name(); }

    /** Bytes the tensor takes in the output; -1 for GLVQ/PVQ, whose size is known once encoded. */
    public long outputBytes() { return target.hasFixedBlocks() ? target.bytesFor(source.shape().size()) : -1; }
}
