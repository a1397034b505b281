package dev.tessera.quant;

import dev.tessera.tensor.HalfFloats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian field access for block codecs (GGUF is little-endian whatever the host is). */
final class Bytes {
    private Bytes() {}

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int u8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF; }

    static int i8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }

    static float half(MemorySegment s, long off) { return HalfFloats.f16ToF32(s.get(LE_SHORT, off)); }

    static float bf16(MemorySegment s, long off) { return HalfFloats.bf16ToF32(s.get(LE_SHORT, off)); }

    static int i16(MemorySegment s, long off) { return s.get(LE_SHORT, off); }

    static int i32(MemorySegment s, long off) { return s.get(LE_INT, off); }

    static float f32(MemorySegment s, long off) { return s.get(LE_FLOAT, off); }

    /** {@code v} rounded to FP16 and back: the value a decoder will see for a stored half. */
    static float halfRounded(float v) { return HalfFloats.f16ToF32(HalfFloats.f32ToF16(v)); }

    static void putU8(MemorySegment s, long off, int v) { s.set(ValueLayout.JAVA_BYTE, off, (byte) v); }

    static void putHalf(MemorySegment s, long off, float v) { s.set(LE_SHORT, off, HalfFloats.f32ToF16(v)); }

    static void putBf16(MemorySegment s, long off, float v) { s.set(LE_SHORT, off, HalfFloats.f32ToBf16(v)); }

    static void putI16(MemorySegment s, long off, int v) { s.set(LE_SHORT, off, (short) v); }

    static void putI32(MemorySegment s, long off, int v) { s.set(LE_INT, off, v); }

    static void putF32(MemorySegment s, long off, float v) { s.set(LE_FLOAT, off, v); }
}
