package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.pvq.PvqFormat;
import dev.tessera.quant.vq.EncodedTensor;

/** Turns an {@link EncodedTensor} (bytes + header) into a matmul-able {@link VqWeight}. */
public final class VqWeights {
    private VqWeights() {}

    /**
     * The fast kernel for the tensor's type: PVQ transcoded to 4-bit pulses when its shape allows
     * (D = 16, K ≤ 63, ≤ 4 gain bits, cols % 32 == 0), else PVQ with index decoding in the dot;
     * GLVQ with Vector API bit planes.
     */
    public static VqWeight load(String name, EncodedTensor t) {
        return switch (t.type()) {
            case PVQ -> {
                PvqFormat f = PvqFormat.of(t);
                boolean transcodable = f.groupSize() == 16 && f.pulses() <= 63 && f.gainBits() <= 4 && t.cols() % 32 == 0;
                yield transcodable ? new PvqTranscodedWeight(name, t) : new PvqIndexedWeight(name, t);
            }
            case GLVQ -> new GlvqWeight(name, t);
            default -> throw new IllegalArgumentException(name + ": " + t.type() + " is not a vector-quantized type");
        };
    }
}
