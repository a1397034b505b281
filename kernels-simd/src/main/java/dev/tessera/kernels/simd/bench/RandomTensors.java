package dev.tessera.kernels.simd.bench;

import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Weight tensors of random bytes in native memory, with every scale field set to a small finite
 * half (and F16/BF16/F32 elements to finite values), for timing kernels.
 */
public final class RandomTensors {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomTensors() {}

    /** Byte offsets within a block of the FP16 scale fields of {@code type}. */
    static int[] halfFields(TensorType type) {
        return switch (type) {
            case Q4_0, Q8_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1 -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
    }

    public static Tensor of(String name, TensorType type, int rows, int cols, long seed, Arena arena) {
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment seg = arena.allocate(bytes, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        switch (type) {
            case F32 -> {
                for (long o = 0; o < bytes; o += 4) seg.set(FLOAT, o, (float) (rnd.nextDouble() * 2 - 1));
            }
            case F16 -> {
                for (long o = 0; o < bytes; o += 2) seg.set(SHORT, o, Float.floatToFloat16((float) (rnd.nextDouble() * 2 - 1)));
            }
            case BF16 -> {
                for (long o = 0; o < bytes; o += 2) {
                    seg.set(SHORT, o, (short) (Float.floatToRawIntBits((float) (rnd.nextDouble() * 2 - 1)) >>> 16));
                }
            }
            default -> {
                for (long o = 0; o + 8 <= bytes; o += 8) seg.set(ValueLayout.JAVA_LONG_UNALIGNED, o, rnd.nextLong());
                for (long o = bytes & ~7L; o < bytes; o++) seg.set(ValueLayout.JAVA_BYTE, o, (byte) rnd.nextInt());
                int[] halves = halfFields(type);
                for (long b = 0; b < bytes / type.blockBytes(); b++) {
                    for (int f : halves) {
                        seg.set(SHORT, b * type.blockBytes() + f, Float.floatToFloat16((float) (0.001 + 0.01 * rnd.nextDouble())));
                    }
                }
            }
        }
        return new Tensor(name, type, Shape.of(rows, cols), seg);
    }
}
