package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * FP16 → F32 in vector registers. The Vector API has no half-precision conversion, so the bits are
 * moved into place: sign to bit 31, exponent and mantissa shifted left by 13, then a multiply by
 * 2^112 re-biases the exponent (exact for normal and subnormal halves; infinities and NaNs do not
 * occur in weights and scales and are not handled).
 */
final class Half {
    private Half() {}

    /** {@code Lanes.FLOATS} halves from {@code src[offset..]} as floats. */
    static FloatVector load(short[] src, int offset) {
        IntVector h = (IntVector) ShortVector.fromArray(Lanes.S_HALF, src, offset).convertShape(VectorOperators.S2I, Lanes.I, 0);
        return fromBits(h);
    }

    /** Sign-extended halves in int lanes to floats. */
    static FloatVector fromBits(IntVector signExtended) {
        return signExtended.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
    }
}
