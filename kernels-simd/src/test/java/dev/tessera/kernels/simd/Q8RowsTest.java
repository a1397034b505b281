package dev.tessera.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.quant.ActivationQuantizer;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vectorized activation conversion against quant's scalar {@link ActivationQuantizer} (itself
 * checked byte for byte against llama.cpp's CPU backend): every code, scale and sum bit-identical,
 * on rows with exact rounding ties, zero blocks and a largest magnitude that occurs with both signs.
 */
class Q8RowsTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static float[] awkwardRows(int n, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (1 + i / cols);
        for (int r = 0; r < n; r++) {
            int o = r * cols;
            x[o + 32] = 127;
            for (int e = 33; e < 64; e++) x[o + e] = e - 48 + 0.5f; // ties at scale 1
            for (int e = 64; e < 96; e++) x[o + e] = 0;
            x[o + 100] = -40;
            x[o + 101] = 40;
            if (cols > 256) for (int e = 256; e < 512; e++) x[o + e] = 0; // an all-zero Q8_K super-block
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q8_1", "Q8_K"})
    void codesAndScalesMatchScalarReference(TensorType format) {
        int n = 3, cols = 768;
        float[] x = awkwardRows(n, cols, 5);
        float[] padded = new float[x.length + 7];
        System.arraycopy(x, 0, padded, 7, x.length);
        Q8Rows a = new Q8Rows();
        a.quantize(format, padded, 7, n, cols, true);
        for (int i = 0; i < n; i++) {
            MemorySegment ref = ActivationQuantizer.quantize(format, x, i * cols, cols);
            for (int b = 0; b < cols / 32; b++) {
                float d;
                int codes;
                float s = Float.NaN;
                if (format == TensorType.Q8_K) {
                    long sb = (b / 8) * 292L;
                    d = ref.get(LE_FLOAT, sb);
                    codes = (int) (sb + 4 + 32 * (b % 8));
                    for (int h = 0; h < 2; h++) {
                        int bsum = ref.get(LE_SHORT, sb + 260 + 2L * (2 * (b % 8) + h));
                        assertEquals(d * bsum, a.s16[i * a.halfStride() + Q8Rows.halfIndex(b, h)], format + " s16 block " + b);
                    }
                } else {
                    long o = b * (format == TensorType.Q8_1 ? 36L : 34L);
                    d = Float.float16ToFloat(ref.get(LE_SHORT, o));
                    codes = (int) o + (format == TensorType.Q8_1 ? 4 : 2);
                    if (format == TensorType.Q8_1) s = Float.float16ToFloat(ref.get(LE_SHORT, o + 2));
                }
                assertEquals(d, a.d[i * a.blockStride + b], format + " row " + i + " d of block " + b);
                if (format == TensorType.Q8_1) assertEquals(s, a.s[i * a.blockStride + b], "Q8_1 s of block " + b);
                for (int e = 0; e < 32; e++) {
                    int q = ref.get(ValueLayout.JAVA_BYTE, codes + e);
                    assertEquals(q, a.q[i * a.rowStride + Q8Rows.index(32 * b + e)], format + " row " + i + " element " + (32 * b + e));
                    assertEquals(d * q, a.values[i * cols + 32 * b + e], format + " value " + (32 * b + e));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16"})
    void roundedValuesMatchScalarReference(TensorType format) {
        int n = 2, cols = 172;
        float[] x = awkwardRows(n, cols, 9);
        x[3] = Float.NaN;
        x[4] = 65520f; // rounds to F16 infinity
        Q8Rows a = new Q8Rows();
        a.quantize(format, x, 0, n, cols, true);
        for (int i = 0; i < n * cols; i++) {
            assertEquals(Float.floatToRawIntBits(ActivationQuantizer.round(format, x[i])), Float.floatToRawIntBits(a.values[i]), format + " element " + i);
        }
    }
}
