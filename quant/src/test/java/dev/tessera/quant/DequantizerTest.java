package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DequantizerTest {

    static MemorySegment hex(String s) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(s.replace(" ", "")));
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matchesGgufPyBitForBit(TensorType type) {
        OracleVectors v = OracleVectors.dequant(type);
        float[] out = new float[v.n() + 3];
        Dequantizer.dequantizeRow(type, v.bytes(), 0, out, 3, v.n());
        for (int i = 0; i < v.n(); i++) {
            int expected = Float.floatToRawIntBits(v.floats()[i]);
            int actual = Float.floatToRawIntBits(out[i + 3]);
            final int e = i;
            assertEquals(expected, actual, () -> type + " element " + e + ": expected " + v.floats()[e]
                    + " got " + out[e + 3]);
        }
    }

    @Test
    void q4_0WorkedBlock() {
        float[] y = new float[32];
        Dequantizer.dequantizeRow(TensorType.Q4_0, hex("00 34 80 91 91 a2 a2 b3 b3 c4 c4 d5 d5 e6 e6 f7 f7 f8"),
                0, y, 0, 32);
        float[] expected = {-2, -1.75f, -1.75f, -1.5f, -1.5f, -1.25f, -1.25f, -1, -1, -0.75f, -0.75f, -0.5f, -0.5f,
                -0.25f, -0.25f, 0, 0, 0.25f, 0.25f, 0.5f, 0.5f, 0.75f, 0.75f, 1, 1, 1.25f, 1.25f, 1.5f, 1.5f, 1.75f,
                1.75f, 1.75f};
        assertArrayEquals(expected, y);
    }

    @Test
    void q8_0WorkedBlock() {
        MemorySegment block = hex("00 2c 7f 81 01 ff 10 d8 ec ee f0 f2 f4 f6 f8 fa fc fe 00 02 04 06 08 0a 0c 0e 10 12"
                + " 14 16 18 1a 1c 1e");
        float[] y = new float[32];
        Dequantizer.dequantizeRow(TensorType.Q8_0, block, 0, y, 0, 32);
        assertEquals(7.9375f, y[0]);
        assertEquals(-7.9375f, y[1]);
        assertEquals(0.0625f, y[2]);
        assertEquals(-2.5f, y[5]);
        for (int i = 6; i < 32; i++) assertEquals((i - 16) * 0.125f, y[i], "element " + i);
    }

    @Test
    void q4_KFullBlock() {
        byte[] block = new byte[144];
        MemorySegment s = MemorySegment.ofArray(block);
        Bytes.putHalf(s, 0, 0.5f);
        Bytes.putHalf(s, 2, 0.25f);
        MemorySegment.copy(hex("81 ca d4 de 80 85 cf d9 38 d2 7c ef"), 0, s, 4, 12);
        for (int i = 0; i < 128; i++) block[16 + i] = (byte) ((i % 16) | (((15 - i) & 15) << 4));
        float[] y = new float[256];
        Dequantizer.dequantizeRow(TensorType.Q4_K, s, 0, y, 0, 256);
        assertArrayEquals(new float[] {0, 0.5f, 1.0f, 1.5f}, Arrays.copyOfRange(y, 0, 4));
        assertArrayEquals(new float[] {73.75f, 68.75f, 63.75f, 58.75f}, Arrays.copyOfRange(y, 32, 36));
        assertEquals(-15.5f, y[255]);
    }

    @Test
    void q4_KScalePacking() {
        int[] sc = {1, 10, 20, 30, 40, 50, 60, 63};
        int[] m = {0, 5, 15, 25, 35, 45, 55, 62};
        MemorySegment packed = MemorySegment.ofArray(new byte[12]);
        KScales.pack(sc, m, packed, 0);
        assertArrayEquals(hex("81 ca d4 de 80 85 cf d9 38 d2 7c ef").toArray(ValueLayout.JAVA_BYTE),
                packed.toArray(ValueLayout.JAVA_BYTE));
        for (int j = 0; j < 8; j++) {
            assertEquals(sc[j], KScales.scale(packed, 0, j));
            assertEquals(m[j], KScales.min(packed, 0, j));
        }
    }

    @Test
    void q3_KScalePacking() {
        int[] sc = {-32, -20, -8, 0, 5, 10, 15, 31, -1, -2, -3, -4, 7, 8, 9, 30};
        MemorySegment packed = MemorySegment.ofArray(new byte[12]);
        Q3_KCodec.packScales(sc, packed, 0);
        assertArrayEquals(hex("f0 ec d8 c0 75 8a 9f ef 98 98 99 de").toArray(ValueLayout.JAVA_BYTE),
                packed.toArray(ValueLayout.JAVA_BYTE));
        for (int j = 0; j < 16; j++) assertEquals(sc[j], Q3_KCodec.scale(packed, 0, j), "scale " + j);
    }

    @Test
    void q8_KDecodesWithFloatScale() {
        MemorySegment s = MemorySegment.ofArray(new byte[292]);
        Bytes.putF32(s, 0, 0.1f);
        for (int i = 0; i < 256; i++) Bytes.putU8(s, 4 + i, i - 128);
        float[] y = new float[256];
        Dequantizer.dequantizeRow(TensorType.Q8_K, s, 0, y, 0, 256);
        for (int i = 0; i < 256; i++) assertEquals(0.1f * (i - 128), y[i]);
    }

    @Test
    void dequantizeWholeTensorAndOffsets() {
        OracleVectors v = OracleVectors.dequant(TensorType.Q6_K);
        Tensor t = new Tensor("t", TensorType.Q6_K, Shape.of(v.n() / 512, 512), v.bytes());
        assertArrayEquals(v.floats(), Dequantizer.dequantize(t));
        float[] row = new float[512];
        Dequantizer.dequantizeRow(TensorType.Q6_K, v.bytes(), t.rowBytes(), row, 0, 512);
        assertArrayEquals(Arrays.copyOfRange(v.floats(), 512, 1024), row);
    }

    /** Every fixed-block type except the plain integer/F64 ones has a codec of its own type. */
    @Test
    void everyBlockTypeHasACodec() {
        for (TensorType t : TensorType.values()) {
            boolean plainNumbers = switch (t) {
                case I8, I16, I32, I64, F64 -> true;
                default -> false;
            };
            if (!t.hasFixedBlocks() || plainNumbers) {
                assertThrows(IllegalArgumentException.class, () -> BlockCodec.of(t), t.toString());
            } else {
                assertEquals(t, BlockCodec.of(t).type());
            }
        }
    }

    @Test
    void rejectsPartialBlocksAndUnknownTypes() {
        float[] y = new float[64];
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        assertThrows(IllegalArgumentException.class, () -> Dequantizer.dequantizeRow(TensorType.Q8_0, s, 0, y, 0, 31));
        assertThrows(IllegalArgumentException.class, () -> Dequantizer.dequantizeRow(TensorType.I8, s, 0, y, 0, 8));
    }
}
