package dev.tessera.quant.vq;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LsbBitsTest {
    @Test
    void knownLayout() {
        byte[] b = new byte[3];
        // 3-bit codes 1..8 (8 wraps to 0): bits LSB-first → 0b 000 111 110 101 100 011 010 001
        for (int j = 0; j < 8; j++) LsbBits.write(b, j * 3L, (j + 1) & 7, 3);
        // byte0 = 001 | 010<<3 | (011&3)<<6 = 0b11010001 = 0xD1
        assertEquals((byte) 0xD1, b[0]);
        // byte1 = 011>>2 | 100<<1 | 101<<4 | (110&1)<<7 = 0 | 8 | 80 | 0 = 0x58
        assertEquals((byte) 0x58, b[1]);
        // byte2 = 110>>1 | 111<<2 | 000<<5 = 3 | 28 = 0x1F
        assertEquals((byte) 0x1F, b[2]);
        for (int j = 0; j < 8; j++) assertEquals((j + 1) & 7, LsbBits.read(b, j * 3L, 3));
    }

    @Test
    void randomRoundTripUpTo64Bits() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 500;
        int[] widths = new int[n];
        long[] values = new long[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            widths[i] = 1 + r.nextInt(64);
            values[i] = widths[i] == 64 ? r.nextLong() : r.nextLong() & ((1L << widths[i]) - 1);
            total += widths[i];
        }
        byte[] buf = new byte[(int) ((total + 7) / 8)];
        long p = 0;
        for (int i = 0; i < n; i++) {
            LsbBits.write(buf, p, values[i], widths[i]);
            p += widths[i];
        }
        p = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(values[i], LsbBits.read(buf, p, widths[i]), "field " + i);
            p += widths[i];
        }
    }
}
