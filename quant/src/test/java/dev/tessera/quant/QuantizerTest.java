package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizerTest {

    static String hex(MemorySegment s) {
        return HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void q4_0WorkedBlock() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.125f;
        assertEquals("003480919" + "1a2a2b3b3c4c4d5d5e6e6f7f7f8", hex(Quantizer.quantize(TensorType.Q4_0, x, 32, null)));
    }

    @Test
    void q8_0WorkedBlock() {
        float[] x = new float[32];
        float[] head = {7.9375f, -7.9375f, 0.03125f, -0.03125f, 1.0f, -2.5f};
        System.arraycopy(head, 0, x, 0, 6);
        for (int i = 6; i < 32; i++) x[i] = (i - 16) * 0.125f;
        assertEquals("002c7f8101ff10d8eceef0f2f4f6f8fafcfe00020406080a0c0e10121416181a1c1e",
                hex(Quantizer.quantize(TensorType.Q8_0, x, 32, null)));
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void matchesGgufPyQuantizerByteForByte(TensorType type) {
        OracleVectors v = OracleVectors.quant(type);
        MemorySegment ours = Quantizer.quantize(type, v.floats(), v.n(), null);
        int blockBytes = type.blockBytes() * (type.isQuantized() ? 1 : 32);
        long blocks = ours.byteSize() / blockBytes;
        for (long b = 0; b < blocks; b++) {
            MemorySegment expected = v.bytes().asSlice(b * blockBytes, blockBytes);
            MemorySegment actual = ours.asSlice(b * blockBytes, blockBytes);
            assertEquals(hex(expected), hex(actual), type + " block " + b);
        }
    }

    /** Reconstruction SNR on N(0,1) data, against quant-formats.md section 8 (±0.5 dB). */
    @ParameterizedTest
    @CsvSource({"Q8_0, 45.4", "Q6_K, 35.1", "Q5_K, 28.8", "Q5_1, 28.4", "Q5_0, 27.4", "Q4_K, 23.0", "Q4_1, 22.1",
            "Q4_0, 21.3", "Q3_K, 16.4", "Q2_K, 10.7"})
    void reconstructionSnrOnGaussianData(TensorType type, double expectedDb) {
        float[] x = gaussian(1 << 16, 7);
        float[] y = roundTrip(type, x, 4096, null);
        double snr = snrDb(x, y);
        assertEquals(expectedDb, snr, 0.5, type + " SNR " + snr + " dB");
    }

    /** Q8_1 matches Q8_0's 45.4 dB; Q8_K's 256-element blocks have a larger max, so ~43 dB. */
    @ParameterizedTest
    @CsvSource({"Q8_1, 44.9", "Q8_K, 42.5"})
    void activationFormatsRoundTrip(TensorType type, double minDb) {
        float[] x = gaussian(4096, 3);
        float[] y = roundTrip(type, x, 4096, null);
        assertTrue(snrDb(x, y) > minDb, type + " SNR " + snrDb(x, y));
    }

    @Test
    void q8_1StoresScaledCodeSum() {
        float[] x = gaussian(32, 11);
        MemorySegment q = Quantizer.quantize(TensorType.Q8_1, x, 32, null);
        int sum = 0;
        for (int i = 0; i < 32; i++) sum += Bytes.i8(q, 4 + i);
        float d = Bytes.half(q, 0);
        assertEquals(sum * d, Bytes.half(q, 2), Math.abs(sum * d) * 1e-3);
    }

    @Test
    void q8_KBlockSumsAndScale() {
        float[] x = gaussian(512, 5);
        MemorySegment q = Quantizer.quantize(TensorType.Q8_K, x, 512, null);
        for (int b = 0; b < 2; b++) {
            long o = 292L * b;
            int maxCode = 0;
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    int c = Bytes.i8(q, o + 4 + 16 * g + i);
                    sum += c;
                    maxCode = Math.max(maxCode, Math.abs(c));
                }
                assertEquals(sum, Bytes.i16(q, o + 260 + 2 * g), "bsums[" + g + "]");
            }
            assertEquals(127, maxCode);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void zeroRowsDecodeToZero(TensorType type) {
        float[] x = new float[512];
        float[] y = roundTrip(type, x, 512, null);
        for (float v : y) assertEquals(0f, Math.abs(v));
        float[] one = new float[512];
        one[100] = 3.0f;
        float[] z = roundTrip(type, one, 512, null);
        assertEquals(3.0f, z[100], 0.1f, type + " keeps a lone spike");
    }

    /**
     * Importance weights must be honoured: with weights concentrated on a few columns, those
     * columns come out more accurately than with the unweighted reference path.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void importanceWeightsFavourImportantColumns(TensorType type) {
        int cols = 1024;
        float[] x = gaussian(cols * 16, 9);
        float[] imp = new float[cols];
        for (int i = 0; i < cols; i++) imp[i] = i % 8 == 0 ? 100f : 0.01f;
        float[] plain = roundTrip(type, x, cols, null);
        float[] weighted = roundTrip(type, x, cols, imp);
        double errPlain = 0, errWeighted = 0, errAllWeighted = 0, errAllPlain = 0;
        for (int i = 0; i < x.length; i++) {
            double dp = plain[i] - x[i], dw = weighted[i] - x[i];
            errAllPlain += dp * dp;
            errAllWeighted += dw * dw;
            if (i % 8 == 0) {
                errPlain += dp * dp;
                errWeighted += dw * dw;
            }
        }
        assertTrue(errWeighted < 0.8 * errPlain, type + ": weighted columns error " + errWeighted + " vs " + errPlain);
        assertTrue(errAllWeighted < 3 * errAllPlain, type + ": overall error " + errAllWeighted + " vs " + errAllPlain);
    }

    static float[] roundTrip(TensorType type, float[] x, int rowLength, float[] importance) {
        MemorySegment q = Quantizer.quantize(type, x, rowLength, importance);
        float[] y = new float[x.length];
        Dequantizer.dequantizeRow(type, q, 0, y, 0, x.length);
        return y;
    }

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static double snrDb(float[] x, float[] y) {
        double s = 0, e = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * x[i];
            e += (double) (x[i] - y[i]) * (x[i] - y[i]);
        }
        return 10 * Math.log10(s / e);
    }
}
