package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Tessera's int4 with groups of g = 32, 64 or 128, symmetric (INT4_G*: offset 8, like Q4_0) or
 * asymmetric (INT4A_G*: scale + min, like Q4_1); quant-formats.md section 5, option (a).
 * <pre>
 * symmetric               asymmetric
 * offset 0  FP16 s        offset 0  FP16 s
 *                         offset 2  FP16 m
 * offset 2  u8[g/2] qs    offset 4  u8[g/2] qs
 * </pre>
 * Codes are stored per run of 32 elements in Q4_0's order: run k occupies 16 bytes, byte j
 * holding element 32k + j in its low nibble and element 32k + j + 16 in its high nibble, so the
 * Q4_0/Q4_1 unpacking applies to every run. Values: symmetric {@code (q − 8)·s}, asymmetric
 * {@code q·s + m}. INT4_G32 and INT4A_G32 are byte-for-byte Q4_0 and Q4_1 blocks, with the same
 * encoders; for larger groups the encoders apply the same rules to the whole group.
 */
final class Int4GroupCodec implements BlockCodec {
    static final Int4GroupCodec G32 = new Int4GroupCodec(TensorType.INT4_G32, false);
    static final Int4GroupCodec G64 = new Int4GroupCodec(TensorType.INT4_G64, false);
    static final Int4GroupCodec G128 = new Int4GroupCodec(TensorType.INT4_G128, false);
    static final Int4GroupCodec A_G32 = new Int4GroupCodec(TensorType.INT4A_G32, true);
    static final Int4GroupCodec A_G64 = new Int4GroupCodec(TensorType.INT4A_G64, true);
    static final Int4GroupCodec A_G128 = new Int4GroupCodec(TensorType.INT4A_G128, true);

    private final TensorType type;
    private final boolean asymmetric;
    private final int g;
    private final int header;

    private Int4GroupCodec(TensorType type, boolean asymmetric) {
        this.type = type;
        this.asymmetric = asymmetric;
        this.g = type.blockLength();
        this.header = asymmetric ? 4 : 2;
    }

    @Override
    public TensorType type() { return type; }

    boolean asymmetric() { return asymmetric; }

    /** Code (0..15) of element {@code e} of the block at {@code o}. */
    int code(MemorySegment s, long o, int e) {
        int b = Bytes.u8(s, o + header + 16L * (e >> 5) + (e & 15));
        return (e & 16) == 0 ? b & 0xF : b >> 4;
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * type.blockBytes();
            int y = dstOffset + b * g;
            float s = Bytes.half(src, o);
            if (asymmetric) {
                float m = Bytes.half(src, o + 2);
                for (int e = 0; e < g; e++) dst[y + e] = code(src, o, e) * s + m;
            } else {
                for (int e = 0; e < g; e++) dst[y + e] = (code(src, o, e) - 8) * s;
            }
        }
    }

    /**
     * Symmetric: {@code s = max/−8} ({@code max} of largest magnitude, sign kept),
     * {@code q = min(15, trunc(x/s + 8.5))}. Asymmetric: {@code s = (max − min)/15}, {@code m = min},
     * {@code q = min(15, trunc((x − m)/s + 0.5))}. With importance: the weighted fits ggml uses
     * for Q4_0/Q4_1 ({@code qw·sqrt(σ² + x²)}, σ² over the row), applied per group.
     */
    @Override
    public void encode(float[] src, int srcOffset, float[] importance, MemorySegment dst, long dstOffset, int blocks) {
        int[] q = new int[g];
        int[] laux = new int[g];
        float[] w = new float[g];
        float[] minOut = new float[1];
        float sigma2 = importance != null ? BlockStats.meanSquare(src, srcOffset, blocks * g) : 0;
        for (int b = 0; b < blocks; b++) {
            long o = dstOffset + (long) b * type.blockBytes();
            int x = srcOffset + b * g;
            if (importance != null) {
                BlockStats.importanceWeights(importance, b * g, src, x, sigma2, w, g);
                if (asymmetric) {
                    float s = Fitters.makeQkx3Quants(g, 15, src, x, w, 0, q, 0, minOut, laux, -0.9f, 0.05f, 36, false);
                    Bytes.putHalf(dst, o, s);
                    Bytes.putHalf(dst, o + 2, -minOut[0]);
                } else {
                    Bytes.putHalf(dst, o, Fitters.makeQxQuants(g, 8, src, x, q, 0, w, 0));
                }
            } else if (asymmetric) {
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                for (int e = 0; e < g; e++) {
                    float v = src[x + e];
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
                float s = (max - min) / 15;
                float id = s != 0 ? 1.0f / s : 0.0f;
                Bytes.putHalf(dst, o, s);
                Bytes.putHalf(dst, o + 2, min);
                for (int e = 0; e < g; e++) q[e] = Math.min(15, (int) ((src[x + e] - min) * id + 0.5f));
            } else {
                float amax = 0, max = 0;
                for (int e = 0; e < g; e++) {
                    float v = src[x + e];
                    if (amax < Math.abs(v)) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float s = max / -8;
                float id = s != 0 ? 1.0f / s : 0.0f;
                Bytes.putHalf(dst, o, s);
                for (int e = 0; e < g; e++) q[e] = Math.min(15, (int) (src[x + e] * id + 8.5f));
            }
            for (int k = 0; k < g / 32; k++) {
                for (int j = 0; j < 16; j++) {
                    Bytes.putU8(dst, o + header + 16L * k + j, q[32 * k + j] | (q[32 * k + j + 16] << 4));
                }
            }
        }
    }
}
