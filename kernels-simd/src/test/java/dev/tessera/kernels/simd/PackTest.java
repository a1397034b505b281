package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The load-time packer {@link Q4Pack} against the element-wise {@link ScalarPack}:
 * the same bytes and floats, on random blocks, odd row counts (partial row groups), odd block counts
 * (partial activation groups), from heap and native segments, split over a pool of three threads.
 */
class PackTest {
    private static final Parallel POOL = new Parallel(3);
    private static final int[] ROWS = {1, 5, 37};

    @AfterAll
    static void close() { POOL.close(); }

    /** Byte offsets of the FP16 fields in one block of {@code type} (kept finite: bit 14 cleared). */
    private static int[] halfFields(TensorType type) {
        return switch (type) {
            case Q4_0, Q8_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static Tensor random(TensorType type, int rows, int cols, long seed, boolean nativeMemory) {
        Random rnd = new Random(seed);
        long bytes = type.bytesFor((long) rows * cols);
        byte[] data = new byte[(int) bytes];
        rnd.nextBytes(data);
        int blockBytes = (int) type.bytesFor(type.blockLength());
        for (int b = 0; b < data.length / blockBytes; b++) {
            for (int f : halfFields(type)) data[b * blockBytes + f + 1] &= (byte) ~0x40;
        }
        MemorySegment seg = nativeMemory ? Arena.ofAuto().allocate(bytes + 1).asSlice(1, bytes) : MemorySegment.ofArray(data);
        if (nativeMemory) MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, data.length);
        return new Tensor("w", type, Shape.of(rows, cols), seg);
    }

    private static int[] colsFor(TensorType type) {
        return type.blockLength() == 256 ? new int[] {256, 768} : new int[] {32, 96, 224};
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0", "Q4_1", "Q4_K"})
    void q4PackMatchesScalar(TensorType type) {
        long seed = 1;
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                Tensor t = random(type, rows, cols, seed++, seed % 2 == 0);
                ScalarPack.Q4Arrays want = ScalarPack.q4(t);
                Q4Weight got = Q4Weight.pack(t, POOL);
                String what = type + " " + rows + "x" + cols;
                assertArrayEquals(want.qs(), got.qs, what + " codes");
                assertArrayEquals(want.dh(), got.dh, what + " fp16 scales");
                assertArrayEquals(want.scales(), got.scales, what + " scales");
                assertArrayEquals(want.offsets(), got.offsets, what + " offsets");
                assertArrayEquals(want.kScales(), got.kScales, what + " 6-bit scales");
                assertArrayEquals(want.kMins(), got.kMins, what + " 6-bit mins");
                assertArrayEquals(want.kd(), got.kd, what + " super-block scales");
                assertArrayEquals(want.kdMin(), got.kdMin, what + " super-block min scales");
            }
        }
    }
}
