package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.vq.EncodedTensor;

/** Turns an {@link EncodedTensor} (bytes + header) into a matmul-able {@link VqWeight}. */
public final class VqWeights {
    private VqWeights() {}

    /** The fast kernel for the tensor's type (PVQ: transcoded pulses; GLVQ: Vector API codes). */
    public static VqWeight load(String name, EncodedTensor t) {
        return switch (t.type()) {
            case PVQ -> new PvqTranscodedWeight(name, t);
            case GLVQ -> new GlvqWeight(name, t);
            default -> throw new IllegalArgumentException(name + ": " + t.type() + " is not a vector-quantized type");
        };
    }
}
