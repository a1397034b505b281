package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tessera's INT8/INT4 group types (quant-formats.md section 5). */
class GroupCodecTest {

    /** With groups of 32 the blocks are exactly Q8_0, Q4_0 and Q4_1 (whose encoders match ggml). */
    @ParameterizedTest
    @CsvSource({"INT8_G32, Q8_0", "INT4_G32, Q4_0", "INT4A_G32, Q4_1"})
    void groupsOf32AreTheGgufBlocks(TensorType ours, TensorType ggml) {
        float[] x = QuantizerTest.gaussian(4096, 21);
        float[] imp = new float[512];
        for (int i = 0; i < imp.length; i++) imp[i] = 0.5f + (i % 7);
        for (float[] importance : new float[][] {null, imp}) {
            byte[] a = Quantizer.quantize(ours, x, 512, importance).toArray(ValueLayout.JAVA_BYTE);
            byte[] b = Quantizer.quantize(ggml, x, 512, importance).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(b, a, ours + (importance == null ? "" : " with importance"));
        }
        MemorySegment q = Quantizer.quantize(ggml, x, 512, null);
        float[] ya = new float[x.length], yb = new float[x.length];
        Dequantizer.dequantizeRow(ours, q, 0, ya, 0, x.length);
        Dequantizer.dequantizeRow(ggml, q, 0, yb, 0, x.length);
        assertArrayEquals(yb, ya);
    }

    /** A hand-built INT4_G64 block: runs of 32 in Q4_0 nibble order, one scale for 64 elements. */
    @Test
    void int4G64Layout() {
        MemorySegment s = MemorySegment.ofArray(new byte[34]);
        Bytes.putHalf(s, 0, 0.5f);
        for (int j = 0; j < 16; j++) {
            Bytes.putU8(s, 2 + j, j | (15 - j) << 4);       // elements j and j + 16
            Bytes.putU8(s, 18 + j, (j / 2) | (8 << 4));     // elements 32 + j and 48 + j
        }
        float[] y = new float[64];
        Dequantizer.dequantizeRow(TensorType.INT4_G64, s, 0, y, 0, 64);
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 0.5f, y[j]);
            assertEquals((7 - j) * 0.5f, y[j + 16]);
            assertEquals((j / 2 - 8) * 0.5f, y[32 + j]);
            assertEquals(0f, y[48 + j]);
        }
    }

    @Test
    void int4AG128Layout() {
        MemorySegment s = MemorySegment.ofArray(new byte[68]);
        Bytes.putHalf(s, 0, 0.25f);
        Bytes.putHalf(s, 2, -1.0f);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 16; j++) Bytes.putU8(s, 4 + 16 * k + j, k | (15 - k) << 4);
        }
        float[] y = new float[128];
        Dequantizer.dequantizeRow(TensorType.INT4A_G128, s, 0, y, 0, 128);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 16; j++) {
                assertEquals(k * 0.25f - 1, y[32 * k + j]);
                assertEquals((15 - k) * 0.25f - 1, y[32 * k + 16 + j]);
            }
        }
    }

    /**
     * SNR on N(0,1) data (±0.5 dB): groups of 32 match the Q8_0/Q4_0/Q4_1 figures of
     * quant-formats.md section 8; each doubling of the group costs about 0.8 dB (measured here).
     */
    @ParameterizedTest
    @CsvSource({"INT8_G32, 45.4", "INT8_G64, 44.5", "INT8_G128, 43.8", "INT4_G32, 21.3", "INT4_G64, 20.5",
            "INT4_G128, 19.75", "INT4A_G32, 22.1", "INT4A_G64, 21.0", "INT4A_G128, 20.05"})
    void reconstructionSnr(TensorType type, double expectedDb) {
        float[] x = QuantizerTest.gaussian(1 << 15, 13);
        float[] y = QuantizerTest.roundTrip(type, x, 1024, null);
        assertEquals(expectedDb, QuantizerTest.snrDb(x, y), 0.5, type.toString());
    }
}
