package dev.tessera.model.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value with its exact on-disk type, so a file can be written back unchanged.
 *
 * <p>Representation of {@code value}: integer types as {@link Long} (unsigned types widened; a
 * UINT64 above {@code Long.MAX_VALUE} keeps its bits), FLOAT32 as {@link Float}, FLOAT64 as
 * {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as a {@code List} of
 * the element representation ({@code List<GgufValue>} for arrays of arrays), with
 * {@code elementType} naming the element type.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if (type == GgufValueType.ARRAY && elementType == null) throw new IllegalArgumentException("array needs an element type");
    }

    public static GgufValue of(GgufValueType type, Object value) { return new GgufValue(type, null, value); }

    public static GgufValue string(String s) { return of(GgufValueType.STRING, s); }

    public static GgufValue uint32(long v) { return of(GgufValueType.UINT32, v); }

    public static GgufValue float32(float v) { return of(GgufValueType.FLOAT32, v); }

    public static GgufValue array(GgufValueType elementType, List<?> items) {
        return new GgufValue(GgufValueType.ARRAY, elementType, List.copyOf(items));
    }

    public List<?> asList() { return (List<?>) value; }
}
