package dev.tessera.quant;

import java.lang.foreign.MemorySegment;

/**
 * The 12-byte packing of eight 6-bit scales and eight 6-bit mins shared by Q4_K and Q5_K
 * (ggml's {@code get_scale_min_k4}). With {@code b = scales[0..11]}:
 * <pre>
 * j = 0..3:  scale = b[j] & 63                          min = b[j+4] & 63
 * j = 4..7:  scale = (b[j+4] & 0xF) | (b[j-4] >> 6) << 4  min = (b[j+4] >> 4) | (b[j] >> 6) << 4
 * </pre>
 * so bytes 8..11 hold the low nibbles of scales/mins 4..7 and the top two bits of bytes 0..7
 * hold their high bits.
 */
final class KScales {
    private KScales() {}

    /** Scale of sub-block {@code j} from the 12 bytes at {@code off}. */
    static int scale(MemorySegment s, long off, int j) {
        if (j < 4) return Bytes.u8(s, off + j) & 63;
        return (Bytes.u8(s, off + j + 4) & 0xF) | ((Bytes.u8(s, off + j - 4) >> 6) << 4);
    }

    /** Min of sub-block {@code j} from the 12 bytes at {@code off}. */
    static int min(MemorySegment s, long off, int j) {
        if (j < 4) return Bytes.u8(s, off + j + 4) & 63;
        return (Bytes.u8(s, off + j + 4) >> 4) | ((Bytes.u8(s, off + j) >> 6) << 4);
    }

    /** Packs eight 6-bit scales and mins (each 0..63) into the 12 bytes at {@code off}. */
    static void pack(int[] scales, int[] mins, MemorySegment s, long off) {
        for (int j = 0; j < 4; j++) {
            Bytes.putU8(s, off + j, scales[j] | ((scales[j + 4] >> 4) << 6));
            Bytes.putU8(s, off + j + 4, mins[j] | ((mins[j + 4] >> 4) << 6));
            Bytes.putU8(s, off + j + 8, (scales[j + 4] & 0xF) | ((mins[j + 4] & 0xF) << 4));
        }
    }
}
