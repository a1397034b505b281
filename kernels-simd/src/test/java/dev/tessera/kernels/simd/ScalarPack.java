package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The repacked layout of {@link Q4Weight} built the plain way, one element
 * at a time through {@link SubBlocks#split} (the packers as they were before the vectorized ones),
 * so tests can demand the fast packers produce the same bytes and floats.
 */
final class ScalarPack {
    private ScalarPack() {}

    record Q4Arrays(byte[] qs, short[] dh, float[] scales, float[] offsets, byte[] kScales, byte[] kMins, float[] kd,
                    float[] kdMin) {}

    static Q4Arrays q4(Tensor t) {
        int r4 = Q4Weight.R, chunk = Lanes.SHORTS;
        TensorType type = t.type();
        int rows = Math.toIntExact(t.rows());
        int blocks = Math.toIntExact(t.cols() / 32);
        int groups = (rows + r4 - 1) / r4;
        int slots = groups * blocks * r4;
        byte[] qs = new byte[slots * 16];
        boolean q40 = type == TensorType.Q4_0, q4k = type == TensorType.Q4_K;
        short[] dh = q40 ? new short[slots + Lanes.FLOATS] : null;
        float[] scales = type == TensorType.Q4_1 ? new float[slots + Lanes.FLOATS] : null;
        float[] offsets = type == TensorType.Q4_1 ? new float[slots + Lanes.FLOATS] : null;
        byte[] kScales = q4k ? new byte[slots + Lanes.FLOATS] : null;
        byte[] kMins = q4k ? new byte[slots + Lanes.FLOATS] : null;
        float[] kd = q4k ? new float[slots / 8 + Lanes.FLOATS] : null;
        float[] kdMin = q4k ? new float[slots / 8 + Lanes.FLOATS] : null;
        int rowBytes = Math.toIntExact(t.rowBytes());
        byte[] row = new byte[rowBytes], codes = new byte[32];
        float[] sc = new float[2], off = new float[2];
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
            int g = r / r4, j = r % r4;
            for (int b = 0; b < blocks; b++) {
                int slot = (g * blocks + b) * r4 + j;
                if (q40) {
                    for (int e = 0; e < 16; e++) {
                        codes[e] = (byte) (row[18 * b + 2 + e] & 0xF);
                        codes[e + 16] = (byte) ((row[18 * b + 2 + e] & 0xFF) >> 4);
                    }
                    dh[slot] = (short) ((row[18 * b] & 0xFF) | row[18 * b + 1] << 8);
                } else if (q4k) {
                    SubBlocks.split(type, row, b, codes, sc, off);
                    int o = 144 * (b / 8), superSlot = (g * (blocks / 8) + b / 8) * r4 + j;
                    kScales[slot] = (byte) SubBlocks.kScale(row, o + 4, b % 8);
                    kMins[slot] = (byte) SubBlocks.kMin(row, o + 4, b % 8);
                    kd[superSlot] = Float.float16ToFloat((short) ((row[o] & 0xFF) | row[o + 1] << 8));
                    kdMin[superSlot] = -Float.float16ToFloat((short) ((row[o + 2] & 0xFF) | row[o + 3] << 8));
                } else {
                    SubBlocks.split(type, row, b, codes, sc, off);
                    scales[slot] = sc[0];
                    offsets[slot] = off[0];
                }
                int base = (g * blocks + b) * 8 * chunk;
                for (int k = 0; k < 8; k++) {
                    for (int tt = 0; tt < 2; tt++) {
                        qs[base + k * chunk + 2 * j + tt] = (byte) (codes[4 * k + tt] | codes[4 * k + 2 + tt] << 4);
                    }
                }
            }
        }
        return new Q4Arrays(qs, dh, scales, offsets, kScales, kMins, kd, kdMin);
    }
}
