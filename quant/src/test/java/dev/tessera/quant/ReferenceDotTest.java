package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The integer dot products against the dequantized vectors: Σ dequant(w)·dequant(a) in double
 * must agree to float rounding, except for Q4_1/Q5_1, whose min term uses the activation's
 * FP16-rounded {@code s = d·Σq}; that rounding is bounded explicitly.
 */
class ReferenceDotTest {

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "INT8_G32",
            "INT8_G64", "INT8_G128", "INT4_G32", "INT4_G64", "INT4_G128", "INT4A_G32", "INT4A_G64", "INT4A_G128"})
    void agreesWithDequantizedDot(TensorType type) {
        int n = 1024;
        TensorType act = ReferenceDot.activationType(type);
        for (int trial = 0; trial < 20; trial++) {
            float[] x = QuantizerTest.gaussian(n, 100 + trial);
            float[] y = QuantizerTest.gaussian(n, 200 + trial);
            for (int i = 0; i < n; i++) x[i] += 0.3f; // a mean, so the min terms matter
            MemorySegment w = Quantizer.quantize(type, x, n, null);
            MemorySegment a = Quantizer.quantize(act, y, n, null);
            float[] wd = new float[n];
            float[] ad = new float[n];
            Dequantizer.dequantizeRow(type, w, 0, wd, 0, n);
            Dequantizer.dequantizeRow(act, a, 0, ad, 0, n);
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) wd[i] * ad[i];
                magnitude += Math.abs((double) wd[i] * ad[i]);
            }
            double tolerance = 1e-5 * magnitude + minTermRounding(type, w, a, n);
            float actual = ReferenceDot.dot(type, w, 0, a, 0, n);
            assertEquals(expected, actual, tolerance, type + " trial " + trial);
        }
    }

    /** Σ over activation blocks of |m_w|·|s − d·Σq| for the Q8_1 pairs, else 0. */
    private static double minTermRounding(TensorType type, MemorySegment w, MemorySegment a, int n) {
        if (ReferenceDot.activationType(type) != TensorType.Q8_1) return 0;
        double bound = 0;
        for (int k = 0; k < n / 32; k++) {
            long ao = 36L * k;
            int sum = 0;
            for (int e = 0; e < 32; e++) sum += Bytes.i8(a, ao + 4 + e);
            double exact = (double) Bytes.half(a, ao) * sum;
            long wBlock = 32L * k / type.blockLength();
            bound += Math.abs(Bytes.half(w, type.blockBytes() * wBlock + 2)) * Math.abs(Bytes.half(a, ao + 2) - exact);
        }
        return bound * 1.001 + 1e-9;
    }

    @Test
    void q8_0HandExample() {
        MemorySegment w = MemorySegment.ofArray(new byte[34]);
        MemorySegment a = MemorySegment.ofArray(new byte[34]);
        Bytes.putHalf(w, 0, 1.0f);
        Bytes.putHalf(a, 0, 0.5f);
        for (int e = 0; e < 32; e++) {
            Bytes.putU8(w, 2 + e, e % 2 == 0 ? 1 : -1);
            Bytes.putU8(a, 2 + e, e + 1);
        }
        // Σ (-1)^e (e+1) over e = 0..31 = -16; times 1.0 · 0.5.
        assertEquals(-8.0f, ReferenceDot.dot(TensorType.Q8_0, w, 0, a, 0, 32));
    }

    @Test
    void rejectsTypesWithoutIntegerDot() {
        assertThrows(IllegalArgumentException.class, () -> ReferenceDot.activationType(TensorType.F16));
        assertEquals(TensorType.Q8_K, ReferenceDot.activationType(TensorType.Q6_K));
        assertEquals(TensorType.Q8_1, ReferenceDot.activationType(TensorType.Q5_1));
    }
}
