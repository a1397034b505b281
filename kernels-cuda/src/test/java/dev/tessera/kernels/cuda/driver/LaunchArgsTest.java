package dev.tessera.kernels.cuda.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

@SuppressWarnings("restricted")
class LaunchArgsTest {
    @Test
    void pointerIAddressesTheValueOfArgumentI() {
        try (Arena arena = Arena.ofConfined()) {
            LaunchArgs a = new LaunchArgs(arena);
            a.reset().ptr(0x1122334455667788L).i32(-7).i64(1L << 40).f32(1.5f);
            assertEquals(4, a.count());
            MemorySegment ptrs = a.pointers();
            for (int i = 0; i < 4; i++) {
                assertEquals(a.valueSlot(i).address(), ptrs.getAtIndex(ValueLayout.ADDRESS, i).address(), "pointer " + i);
            }
            // Read back through the pointers, with the widths the C side reads (little-endian).
            MemorySegment p0 = ptrs.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(8);
            MemorySegment p1 = ptrs.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(4);
            MemorySegment p2 = ptrs.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(8);
            MemorySegment p3 = ptrs.getAtIndex(ValueLayout.ADDRESS, 3).reinterpret(4);
            assertEquals(0x1122334455667788L, p0.get(ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            assertEquals((byte) 0x88, p0.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(-7, p1.get(ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            assertEquals(1L << 40, p2.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(Float.floatToRawIntBits(1.5f), p3.get(ValueLayout.JAVA_INT, 0));
            assertEquals(LaunchArgs.ArgType.PTR, a.type(0));
            assertEquals(LaunchArgs.ArgType.I32, a.type(1));
            assertEquals(LaunchArgs.ArgType.I64, a.type(2));
            assertEquals(LaunchArgs.ArgType.F32, a.type(3));
        }
    }

    @Test
    void resetStartsOverAndTooManyArgumentsFail() {
        try (Arena arena = Arena.ofConfined()) {
            LaunchArgs a = new LaunchArgs(arena);
            a.reset().i32(1).i32(2);
            assertEquals(1, a.reset().f32(3f).count());
            for (int i = 1; i < LaunchArgs.MAX_ARGS; i++) a.i32(i);
            assertThrows(IllegalStateException.class, () -> a.i32(0));
        }
    }
}
