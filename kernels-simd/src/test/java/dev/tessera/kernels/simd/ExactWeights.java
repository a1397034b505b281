package dev.tessera.kernels.simd;

import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Test weights built from their decoded values: each block is written from a chosen scale and
 * chosen codes, so the expected floats are known without running any decoder.
 */
record ExactWeights(Tensor tensor, float[][] values) {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static ExactWeights random(String name, TensorType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[][] v = new float[rows][cols];
        MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor((long) rows * cols), 64);
        long o = 0;
        for (int r = 0; r < rows; r++) {
            switch (type) {
                case F32 -> {
                    for (int c = 0; c < cols; c++, o += 4) {
                        v[r][c] = (float) rnd.nextGaussian();
                        seg.set(FLOAT, o, v[r][c]);
                    }
                }
                case F16 -> {
                    for (int c = 0; c < cols; c++, o += 2) {
                        short h = Float.floatToFloat16((float) rnd.nextGaussian());
                        v[r][c] = Float.float16ToFloat(h);
                        seg.set(SHORT, o, h);
                    }
                }
                case BF16 -> {
                    for (int c = 0; c < cols; c++, o += 2) {
                        int bits = Float.floatToRawIntBits((float) rnd.nextGaussian()) & 0xFFFF0000;
                        v[r][c] = Float.intBitsToFloat(bits);
                        seg.set(SHORT, o, (short) (bits >>> 16));
                    }
                }
                case Q8_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        float d = scale(rnd);
                        seg.set(SHORT, o, Float.floatToFloat16(d));
                        for (int e = 0; e < 32; e++) {
                            int q = rnd.nextInt(255) - 127;
                            seg.set(ValueLayout.JAVA_BYTE, o + 2 + e, (byte) q);
                            v[r][32 * b + e] = q * d;
                        }
                        o += 34;
                    }
                }
                case Q4_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        float d = scale(rnd);
                        seg.set(SHORT, o, Float.floatToFloat16(d));
                        for (int e = 0; e < 32; e++) {
                            int q = rnd.nextInt(16);
                            int byteIndex = e % 16;
                            byte old = seg.get(ValueLayout.JAVA_BYTE, o + 2 + byteIndex);
                            int nib = e < 16 ? q : q << 4;
                            seg.set(ValueLayout.JAVA_BYTE, o + 2 + byteIndex, (byte) (old | nib));
                            v[r][32 * b + e] = (q - 8) * d;
                        }
                        o += 18;
                    }
                }
                default -> throw new IllegalArgumentException("no exact builder for " + type);
            }
        }
        return new ExactWeights(new Tensor(name, type, rows == 1 ? Shape.of(cols) : Shape.of(rows, cols), seg), v);
    }

    /** A block scale exactly representable in FP16. */
    private static float scale(Random rnd) {
        return Float.float16ToFloat(Float.floatToFloat16((float) (0.01 + 0.1 * rnd.nextDouble())));
    }
}
