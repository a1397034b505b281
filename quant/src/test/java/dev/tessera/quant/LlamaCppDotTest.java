package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The llama.cpp-order dot products against the plain scalar ones of {@link ReferenceDot} on the
 * same blocks: equal up to float rounding (their integer parts are exact, only the grouping of the
 * float operations differs). Bit-exactness against llama.cpp itself is checked end to end by the
 * model module's greedy tests, whose every tensor matches llama.cpp's.
 */
class LlamaCppDotTest {

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void quantizedDotsAgreeWithReference(TensorType type) {
        Random rnd = new Random(type.ordinal());
        int n = 512;
        for (int t = 0; t < 20; t++) {
            float[] w = new float[n], x = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) rnd.nextGaussian() * 0.1f;
                x[i] = (float) rnd.nextGaussian() + 0.3f;
            }
            MemorySegment wq = Quantizer.quantize(type, w, n, null);
            TensorType act = ReferenceDot.activationType(type);
            MemorySegment a = ActivationQuantizer.quantize(act, x, 0, n);
            float want = ReferenceDot.dot(type, wq, 0, a, 0, n);
            float[] wd = new float[n], ad = new float[n];
            Dequantizer.dequantizeRow(type, wq, 0, wd, 0, n);
            Dequantizer.dequantizeRow(act, a, 0, ad, 0, n);
            double abs = 0;
            for (int i = 0; i < n; i++) abs += Math.abs((double) wd[i] * ad[i]);
            for (boolean repacked : type == TensorType.Q4_0 ? new boolean[] {false, true} : new boolean[] {false}) {
                assertEquals(want, LlamaCppDot.dot(type, wq, 0, a, 0, n, repacked), 1e-5 * abs + 1e-6, type + " trial " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16"})
    void floatDotsAgreeWithDouble(TensorType type) {
        Random rnd = new Random(5);
        for (int n : new int[] {8, 64, 172, 256}) {
            float[] w = new float[n], x = new float[n];
            double want = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                w[i] = ActivationQuantizer.round(type, (float) rnd.nextGaussian());
                x[i] = ActivationQuantizer.round(type, (float) rnd.nextGaussian());
                want += (double) w[i] * x[i];
                abs += Math.abs((double) w[i] * x[i]);
            }
            assertEquals(want, LlamaCppDot.dotVec(w, 0, x, 0, n, type == TensorType.F32), 1e-6 * abs, type + " n=" + n);
            if (n % 8 == 0) assertEquals(want, LlamaCppDot.dotGemm(w, 0, x, 0, n), 1e-6 * abs, type + " gemm n=" + n);
        }
    }
}
