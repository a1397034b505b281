package dev.tessera.kernels.simd;

import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fills the layout of {@link Int8Weight} from a tensor's (usually mapped) bytes, rows spread over
 * the pool: each row is copied out and split block by block through {@link SubBlocks#split} (codes,
 * block scales and offsets), the K-quants' integer sub-block scales and mins read from the
 * super-block headers as {@link SubBlocks} decodes them (quant-formats.md §3).
 */
final class Int8Pack {
    private Int8Pack() {}

    static void fill(Tensor t, Parallel parallel, Int8Weight w) {
        int rows = Math.toIntExact(t.rows());
        int rowBytes = Math.toIntExact(t.rowBytes());
        parallel.split(rows, 1, (worker, start, end) -> {
            byte[] row = new byte[rowBytes], codes = new byte[32];
            float[] sc = new float[2], off = new float[2];
            for (int r = start; r < end; r++) {
                MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * rowBytes, row, 0, rowBytes);
                for (int b = 0; b < w.blocks; b++) {
                    SubBlocks.split(t.type(), row, b, codes, sc, off);
                    codes(w, r, b, codes);
                    if (w.kQuant) superBlock(t.type(), w, r, b, row);
                    else {
                        w.dw[w.slot(r, b)] = sc[0];
                        if (w.mw != null) w.mw[w.slot(r, b)] = off[0];
                    }
                }
            }
        });
    }

    /**
     * Block {@code b}'s codes of row {@code r}: lane {@code m}'s elements {@code 4m..4m+3} as two
     * chunks, at byte {@code 2j + u} of chunk {@code t} row {@code j}'s element {@code 4m + 2t + u}.
     */
    private static void codes(Int8Weight w, int r, int b, byte[] codes) {
        int j = r % Int8Weight.R;
        for (int m = 0; m < 8; m++) {
            for (int t = 0; t < 2; t++) {
                int at = w.chunk(r / Int8Weight.R, b, m, t) + 2 * j;
                w.qs[at] = codes[4 * m + 2 * t];
                w.qs[at + 1] = codes[4 * m + 2 * t + 1];
            }
        }
    }

    /** K-quant header fields for block {@code b}: its two sub-block scales and mins, and once per super-block d, dmin. */
    private static void superBlock(TensorType type, Int8Weight w, int r, int b, byte[] row) {
        int o = Math.toIntExact(type.blockBytes()) * (b / 8), c = b % 8;
        if (c == 0) {
            int s = w.superSlot(r, b / 8);
            switch (type) {
                case Q2_K -> {
                    w.dw[s] = half(row, o + 80);
                    w.mw[s] = half(row, o + 82);
                }
                case Q3_K -> w.dw[s] = half(row, o + 108);
                default -> {
                    w.dw[s] = half(row, o);
                    w.mw[s] = half(row, o + 2);
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            int j16 = 2 * c + h, at = w.halfSlot(r, b, h);
            switch (type) {
                case Q2_K -> {
                    w.subScales[at] = (byte) (row[o + j16] & 0xF);
                    w.mins[at] = (byte) ((row[o + j16] & 0xFF) >> 4);
                }
                case Q3_K -> w.subScales[at] = (byte) SubBlocks.q3Scale(row, o + 96, j16);
                default -> w.subScales[at] = (byte) SubBlocks.kScale(row, o + 4, c);
            }
        }
        if (type == TensorType.Q5_K) w.mins[w.slot(r, b)] = (byte) SubBlocks.kMin(row, o + 4, c);
    }

    private static float half(byte[] s, int o) {
        return Float.float16ToFloat((short) ((s[o] & 0xFF) | s[o + 1] << 8));
    }
}
