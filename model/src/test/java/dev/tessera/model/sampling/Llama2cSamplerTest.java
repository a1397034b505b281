package dev.tessera.model.sampling;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class Llama2cSamplerTest {
    @Test
    void xorshiftMatchesRunC() {
        // run.c: state=42; x^=x>>12; x^=x<<25; x^=x>>27; (x*0x2545F4914F6CDD1D)>>32, computed by hand in 64-bit arithmetic
        long x = 42;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        long expected = Long.remainderUnsigned(0, 1) + ((x * 0x2545F4914F6CDD1DL) >>> 32);
        assertEquals(expected, new XorShiftRng(42).nextU32() & 0xffffffffL);
        XorShiftRng r = new XorShiftRng(7);
        for (int i = 0; i < 1000; i++) {
            float f = r.nextFloat();
            assertTrue(f >= 0f && f < 1f);
        }
    }

    @Test
    void temperatureZeroIsArgmax() {
        assertEquals(1, new Llama2cSampler(0f, 0.9f, 1).sample(new float[] {1f, 3f, 2f}));
    }

    @Test
    void topPNeverPicksOutsideTheNucleus() {
        Llama2cSampler s = new Llama2cSampler(1f, 0.5f, 42);
        for (int i = 0; i < 1000; i++) assertEquals(0, s.sample(new float[] {10f, 1f, 0f, 0f}));
    }
}
