package dev.tessera.quant.vq;

/**
 * Little-endian, LSB-first bitstreams: bit {@code p} of the stream is bit {@code p % 8} of byte
 * {@code p / 8}; a field of {@code w ≤ 64} bits at position p stores its bit i at stream bit p + i.
 */
public final class LsbBits {
    private LsbBits() {}

    /** ORs the low {@code width} bits of {@code value} into the (zeroed) stream at {@code bitPos}. */
    public static void write(byte[] buf, long bitPos, long value, int width) {
        for (int i = 0; i < width; ) {
            long p = bitPos + i;
            int byteIndex = (int) (p >>> 3);
            int shift = (int) (p & 7);
            int take = Math.min(8 - shift, width - i);
            int bits = (int) ((value >>> i) & ((1 << take) - 1));
            buf[byteIndex] |= (byte) (bits << shift);
            i += take;
        }
    }

    /** Reads {@code width ≤ 64} bits at {@code bitPos}. */
    public static long read(byte[] buf, long bitPos, int width) {
        long v = 0;
        for (int i = 0; i < width; ) {
            long p = bitPos + i;
            int byteIndex = (int) (p >>> 3);
            int shift = (int) (p & 7);
            int take = Math.min(8 - shift, width - i);
            long bits = ((buf[byteIndex] & 0xFF) >>> shift) & ((1 << take) - 1);
            v |= bits << i;
            i += take;
        }
        return v;
    }
}
