package dev.tessera.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link HalfFloats} against bit-level references written here from the IEEE-754 rules,
 * independently of the JDK intrinsics the production code uses.
 */
class HalfFloatsTest {

    /** binary16 -> binary32 by field manipulation, NaNs quieted. */
    private static int refF16ToF32Bits(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            // Inf, or a NaN made quiet: ggml's converters (F16C, or the scalar one whose final
            // float multiply quiets it) both set the quiet bit; so does the JDK.
            return sign | 0x7F80_0000 | (mant << 13) | (mant != 0 ? 0x0040_0000 : 0);
        }
        if (exp == 0) {
            if (mant == 0) return sign;
            // Subnormal: value = mant * 2^-24; normalise so the leading 1 moves to bit 10.
            int e = -14;
            while ((mant & 0x400) == 0) {
                mant <<= 1;
                e--;
            }
            return sign | ((e + 127) << 23) | ((mant & 0x3FF) << 13);
        }
        return sign | ((exp - 15 + 127) << 23) | (mant << 13);
    }

    /** binary32 -> binary16 with round-to-nearest-even, ggml's NaN rule. */
    private static int refF32ToF16(int bits) {
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) return sign | 0x7E00;
        int exp = abs >>> 23;
        if (exp == 0) return sign; // float subnormals are far below half's smallest subnormal
        int m = (abs & 0x7F_FFFF) | 0x80_0000; // 24-bit significand, value = m * 2^(exp-150)
        int e16 = exp - 127 + 15;
        int shift;
        int base;
        if (e16 >= 1) {
            shift = 13;
            base = e16 << 10; // the implicit bit of m adds one more to the exponent field below
            m &= 0x7F_FFFF;
        } else {
            shift = 126 - exp; // value in units of 2^-24 is m >> shift
            base = 0;
            if (shift >= 25) return sign; // below half of the smallest subnormal
        }
        int q = m >>> shift;
        int rem = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rem > half || (rem == half && (q & 1) != 0)) q++;
        int r = base + q; // a carry out of the mantissa correctly bumps the exponent
        if (r >= 0x7C00) r = 0x7C00;
        return sign | r;
    }

    private static int refF32ToBf16(int bits) {
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (bits >>> 16) | 0x40;
        int upper = bits >>> 16;
        int lower = bits & 0xFFFF;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) != 0)) upper++;
        return upper & 0xFFFF;
    }

    private static void checkF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        assertEquals(refF32ToF16(bits), HalfFloats.f32ToF16(f) & 0xFFFF,
                () -> "f32ToF16(" + f + " = 0x" + Integer.toHexString(bits) + ")");
    }

    private static void checkBf16(int bits) {
        float f = Float.intBitsToFloat(bits);
        assertEquals(refF32ToBf16(bits), HalfFloats.f32ToBf16(f) & 0xFFFF,
                () -> "f32ToBf16(0x" + Integer.toHexString(bits) + ")");
    }

    @Test
    void f16ToF32IsExactForAllHalves() {
        for (int h = 0; h < 0x10000; h++) {
            int expected = refF16ToF32Bits(h);
            int actual = Float.floatToRawIntBits(HalfFloats.f16ToF32((short) h));
            final int hh = h;
            assertEquals(expected, actual, () -> "half 0x" + Integer.toHexString(hh));
        }
    }

    @Test
    void f32ToF16RoundsNeighboursOfEveryHalf() {
        for (int h = 0; h < 0x10000; h++) {
            float x = HalfFloats.f16ToF32((short) h);
            if (Float.isNaN(x)) {
                checkF16(x);
                continue;
            }
            checkF16(x);
            assertEquals(h, HalfFloats.f32ToF16(x) & 0xFFFF, "round trip of half " + h);
            checkF16(Math.nextUp(x));
            checkF16(Math.nextDown(x));
            if (!Float.isInfinite(x) && (h & 0x7FFF) != 0x7BFF) {
                // Midpoint between this half and the next one away from zero: exact in float32.
                float next = HalfFloats.f16ToF32((short) (h + 1));
                float mid = (x + next) / 2;
                checkF16(mid);
                checkF16(Math.nextUp(mid));
                checkF16(Math.nextDown(mid));
            }
        }
    }

    @Test
    void f32ToF16SpecialCases() {
        assertEquals(0x3400, HalfFloats.f32ToF16(0.25f));
        assertEquals(0x2C00, HalfFloats.f32ToF16(0.0625f));
        assertEquals(0x2E66, HalfFloats.f32ToF16(0.1f));
        assertEquals(0x7BFF, HalfFloats.f32ToF16(65504f));
        assertEquals(0x7BFF, HalfFloats.f32ToF16(65519.996f));
        assertEquals(0x7C00, HalfFloats.f32ToF16(65520f)); // tie between 65504 and 2^16 goes to even (Inf)
        assertEquals(0xFC00, HalfFloats.f32ToF16(-1e10f) & 0xFFFF);
        assertEquals(0x7C00, HalfFloats.f32ToF16(Float.POSITIVE_INFINITY));
        assertEquals(0x8000, HalfFloats.f32ToF16(-0.0f) & 0xFFFF);
        assertEquals(0x0001, HalfFloats.f32ToF16(0x1p-24f)); // smallest subnormal
        assertEquals(0x0000, HalfFloats.f32ToF16(0x1p-25f)); // tie to even -> 0
        assertEquals(0x0001, HalfFloats.f32ToF16(Math.nextUp(0x1p-25f)));
        assertEquals(0x0400, HalfFloats.f32ToF16(Math.nextDown(0x1p-14f))); // rounds up into the normals
        assertEquals(0x7E00, HalfFloats.f32ToF16(Float.NaN));
        assertEquals(0xFE00, HalfFloats.f32ToF16(Float.intBitsToFloat(0xFFC0_0001)) & 0xFFFF);
        assertEquals(0x0000, HalfFloats.f32ToF16(Float.MIN_VALUE));
    }

    @Test
    void f32ToF16RandomFloats() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 2_000_000; i++) {
            checkF16(Float.intBitsToFloat(r.nextInt()));
            checkF16((float) r.nextGaussian() * 0.05f);
        }
    }

    @Test
    void bf16Conversions() {
        for (int upper = 0; upper < 0x10000; upper++) {
            int b = upper << 16;
            assertEquals(Float.intBitsToFloat(b), HalfFloats.bf16ToF32((short) upper), "bf16 " + upper);
            for (int lower : new int[] {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000}) {
                checkBf16(b | lower);
            }
        }
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 1_000_000; i++) checkBf16(r.nextInt());
        // Spec vectors (quant-formats.md section 8).
        assertEquals(0x3F80, HalfFloats.f32ToBf16(1.0f));
        assertEquals(0x4049, HalfFloats.f32ToBf16(3.140625f));
        assertEquals(0x3F80, HalfFloats.f32ToBf16(1.00390625f));
        assertEquals(0x3F82, HalfFloats.f32ToBf16(1.01171875f));
        assertEquals(0x8000, HalfFloats.f32ToBf16(-0.0f) & 0xFFFF);
        assertEquals(0x7FC0, HalfFloats.f32ToBf16(Float.intBitsToFloat(0x7FC0_0000)));
        assertEquals(0x7FC0, HalfFloats.f32ToBf16(Float.intBitsToFloat(0x7F80_0001))); // signalling NaN stays NaN
        assertEquals(0x7F80, HalfFloats.f32ToBf16(Float.MAX_VALUE)); // overflow rounds to Inf
    }
}
