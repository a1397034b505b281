package dev.tessera.kernels.simd.intq;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused dot products of one row of Tessera's group types (INT8_G*, INT4_G*, INT4A_G*;
 * quant-formats.md section 5) with float activations, decoding codes in registers eight at a
 * time: {@code Σ_groups s·Σ q·x} (int8), {@code s·Σ (q − 8)·x} (int4), {@code s·Σ q·x + m·Σ x}
 * (asymmetric int4). The scalar reference is the quant module's decoder followed by a plain dot
 * product ({@code IntqDotTest}).
 */
public final class IntqDot {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private IntqDot() {}

    /** True for the types this class handles. */
    public static boolean supports(TensorType t) {
        return switch (t) {
            case INT8_G32, INT8_G64, INT8_G128, INT4_G32, INT4_G64, INT4_G128, INT4A_G32, INT4A_G64, INT4A_G128 -> true;
            default -> false;
        };
    }

    /** The dot product of the {@code n}-element row at {@code w[offset..]} with {@code x[xOff .. xOff + n)}. */
    public static float dot(TensorType t, MemorySegment w, long offset, float[] x, int xOff, int n) {
        return switch (t) {
            case INT8_G32, INT8_G64, INT8_G128 -> int8(t.blockLength(), w, offset, x, xOff, n);
            case INT4_G32, INT4_G64, INT4_G128 -> int4(t.blockLength(), false, w, offset, x, xOff, n);
            case INT4A_G32, INT4A_G64, INT4A_G128 -> int4(t.blockLength(), true, w, offset, x, xOff, n);
            default -> throw new IllegalArgumentException(t + " is not an int8/int4 group type");
        };
    }

    /**
     * {@code out[i·rows + r] = row r · x[i]} for the {@code n} activation rows of {@code x} (each
     * {@code cols} floats from {@code xOff}), as the backend's matmul lays them out.
     */
    public static void matmul(TensorType t, MemorySegment w, int rows, int cols, float[] x, int xOff, int n,
                              float[] out, int outOff) {
        long rowBytes = t.bytesFor(cols);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                out[outOff + i * rows + r] = dot(t, w, r * rowBytes, x, xOff + i * cols, cols);
            }
        }
    }

    private static float int8(int g, MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0;
        long o = offset;
        for (int b = 0; b < n; b += g, o += 2 + g) {
            float s = Float.float16ToFloat(w.get(LE_SHORT, o));
            FloatVector acc = FloatVector.zero(F256);
            for (int e = 0; e < g; e += 8) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B64, w, o + 2 + e, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F256, 0);
                acc = q.fma(FloatVector.fromArray(F256, x, xOff + b + e), acc);
            }
            sum += s * acc.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    private static float int4(int g, boolean asym, MemorySegment w, long offset, float[] x, int xOff, int n) {
        int header = asym ? 4 : 2;
        float sum = 0;
        long o = offset;
        FloatVector eight = FloatVector.broadcast(F256, 8f);
        for (int b = 0; b < n; b += g, o += header + g / 2) {
            float s = Float.float16ToFloat(w.get(LE_SHORT, o));
            FloatVector acc = FloatVector.zero(F256);
            FloatVector xs = FloatVector.zero(F256);
            // Each run of 32 elements: byte j holds element j (low nibble) and j + 16 (high nibble).
            for (int run = 0; run < g; run += 32) {
                long codes = o + header + run / 2;
                int xb = xOff + b + run;
                for (int j = 0; j < 16; j += 8) {
                    ByteVector bytes = ByteVector.fromMemorySegment(B64, w, codes + j, ByteOrder.LITTLE_ENDIAN);
                    FloatVector lo = (FloatVector) bytes.and((byte) 0x0F).convertShape(VectorOperators.B2F, F256, 0);
                    FloatVector hi = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)
                            .convertShape(VectorOperators.B2F, F256, 0);
                    FloatVector x0 = FloatVector.fromArray(F256, x, xb + j);
                    FloatVector x1 = FloatVector.fromArray(F256, x, xb + j + 16);
                    if (asym) {
                        acc = lo.fma(x0, acc);
                        acc = hi.fma(x1, acc);
                        xs = xs.add(x0).add(x1);
                    } else {
                        acc = lo.sub(eight).fma(x0, acc);
                        acc = hi.sub(eight).fma(x1, acc);
                    }
                }
            }
            sum += s * acc.reduceLanes(VectorOperators.ADD);
            if (asym) sum += Float.float16ToFloat(w.get(LE_SHORT, o + 2)) * xs.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }
}
