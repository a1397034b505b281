package dev.tessera.model.safetensors;

import dev.tessera.tensor.TensorType;
import java.util.Optional;

/**
 * The dtypes of the safetensors format with their bit sizes. Those with a {@link TensorType}
 * become tensor views; the others are readable as raw bytes.
 */
public enum SafetensorsDtype {
    BOOL(8, null), U8(8, null), I8(8, TensorType.I8), F8_E5M2(8, null), F8_E4M3(8, null), F8_E8M0(8, null),
    F8_E4M3FNUZ(8, null), F8_E5M2FNUZ(8, null), I16(16, TensorType.I16), U16(16, null), F16(16, TensorType.F16),
    BF16(16, TensorType.BF16), I32(32, TensorType.I32), U32(32, null), F32(32, TensorType.F32), F64(64, TensorType.F64),
    I64(64, TensorType.I64), U64(64, null), C64(64, null), F4(4, null), F6_E2M3(6, null), F6_E3M2(6, null);

    private final int bits;
    private final TensorType tensorType;

    SafetensorsDtype(int bits, TensorType tensorType) {
        this.bits = bits;
        this.tensorType = tensorType;
    }

    public int bits() { return bits; }

    /** The element type of a tensor view of this dtype, if Tessera has one. */
    public Optional<TensorType> tensorType() { return Optional.ofNullable(tensorType); }

    /** The dtype named {@code name} (as written in headers), if any. */
    public static Optional<SafetensorsDtype> byName(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return Optional.of(d);
        return Optional.empty();
    }

    /** The dtype that stores {@code type}'s elements. */
    public static SafetensorsDtype of(TensorType type) {
        for (SafetensorsDtype d : values()) if (d.tensorType == type) return d;
        throw new IllegalArgumentException(type + " has no safetensors dtype (only F32, F16, BF16, F64 and I8..I64)");
    }
}
