package dev.tessera.quant.glvq;

import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.tensor.TensorType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The GLVQ tensor format (vector-quantization.md A.7), one linear weight of m rows × n columns,
 * companding off (the CPU default of A.9; {@code glvq.compand} must be 0).
 *
 * <pre>
 * header (tensor metadata):
 *   glvq.dim          int    d, lattice dimension (divides group_cols)
 *   glvq.group_cols   int    n_g, columns per group (n % n_g == 0; 128 by default)
 *   glvq.compand      int    0 (µ-law companding not supported by this runtime)
 *   glvq.bits         int[n/n_g]      b_g, bits per coordinate of group g (1..8; u8 on disk)
 *   glvq.generators   float[n/n_g·d²] G_g row-major, group after group (FP16-exact; FP16 on disk)
 * payload, row-major; row r = concat over groups g of n_g·b_g/8 bytes (the same for every row):
 *   within a group, code j (column offset j, 0 ≤ j < n_g) is the unsigned b_g-bit value u_j at
 *   bits [j·b_g, (j+1)·b_g) of an LSB-first bitstream ({@link LsbBits}).
 * decode: sub-vector s of (row r, group g) = columns g·n_g + s·d … + d−1 =
 *   G_g · (u_{s·d..s·d+d−1} − c_b·1),  c_b = 2^(b−1) − ½  (a symmetric half-integer coset of Z^d).
 * </pre>
 */
public record GlvqFormat(int rows, int cols, int dim, int groupCols, int[] bits, float[] generators) {
    public static final String DIM = "glvq.dim";
    public static final String GROUP_COLS = "glvq.group_cols";
    public static final String COMPAND = "glvq.compand";
    public static final String BITS = "glvq.bits";
    public static final String GENERATORS = "glvq.generators";

    public GlvqFormat {
        if (groupCols < 1 || cols % groupCols != 0) throw new IllegalArgumentException(GROUP_COLS + ": " + groupCols + " does not divide " + cols + " columns");
        if (dim < 1 || groupCols % dim != 0) throw new IllegalArgumentException(DIM + ": " + dim + " does not divide the group of " + groupCols);
        if (bits.length != cols / groupCols) throw new IllegalArgumentException(BITS + ": expected " + cols / groupCols + " entries, got " + bits.length);
        for (int b : bits) if (b < 1 || b > 8) throw new IllegalArgumentException(BITS + ": width " + b + " outside 1..8");
        if (groupCols % 8 != 0) throw new IllegalArgumentException(GROUP_COLS + ": " + groupCols + " must be a multiple of 8");
        if (generators.length != bits.length * dim * dim) throw new IllegalArgumentException(GENERATORS + ": expected " + bits.length * dim * dim + " values, got " + generators.length);
    }

    public int groups() { return bits.length; }

    /** Bytes of group g within a row. */
    public int groupBytes(int g) { return groupCols * bits[g] / 8; }

    /** Byte offset of group g within a row. */
    public int groupOffset(int g) {
        int o = 0;
        for (int i = 0; i < g; i++) o += groupBytes(i);
        return o;
    }

    public int rowBytes() { return groupOffset(groups()); }

    /** The half-integer code offset c_b = 2^(b−1) − ½. */
    public static double offset(int b) { return (1 << (b - 1)) - 0.5; }

    /** Header bits on disk: a u8 width and d² FP16 values per group, plus three 32-bit scalars. */
    public long headerBits() { return (long) groups() * (8 + 16L * dim * dim) + 3 * 32; }

    public Map<String, Object> header() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put(DIM, dim);
        h.put(GROUP_COLS, groupCols);
        h.put(COMPAND, 0);
        h.put(BITS, bits.clone());
        h.put(GENERATORS, generators.clone());
        return h;
    }

    public static GlvqFormat of(EncodedTensor t) {
        if (t.type() != TensorType.GLVQ) throw new IllegalArgumentException("expected a GLVQ tensor, got " + t.type());
        if (t.intValue(COMPAND) != 0) throw new IllegalArgumentException(COMPAND + ": companded GLVQ tensors are not supported");
        GlvqFormat f = new GlvqFormat(t.rows(), t.cols(), t.intValue(DIM), t.intValue(GROUP_COLS), t.ints(BITS), t.floats(GENERATORS));
        if (t.data().length != (long) f.rowBytes() * t.rows()) {
            throw new IllegalArgumentException("GLVQ payload has " + t.data().length + " bytes, expected rows×rowBytes = " + t.rows() + "×" + f.rowBytes());
        }
        return f;
    }

    /** Reference decode of row r into {@code out[0..cols)}: plain, slow, the kernels' reference. */
    public void decodeRow(byte[] data, int r, float[] out) {
        int d = dim;
        long rowBit = (long) r * rowBytes() * 8;
        double[] z = new double[d];
        for (int g = 0; g < groups(); g++) {
            int b = bits[g];
            double c = offset(b);
            long base = rowBit + groupOffset(g) * 8L;
            for (int s = 0; s < groupCols / d; s++) {
                for (int i = 0; i < d; i++) z[i] = LsbBits.read(data, base + (long) (s * d + i) * b, b) - c;
                for (int i = 0; i < d; i++) {
                    double v = 0;
                    for (int k = 0; k < d; k++) v += generators[(g * d + i) * d + k] * z[k];
                    out[g * groupCols + s * d + i] = (float) v;
                }
            }
        }
    }

    public float[] dequantize(byte[] data) {
        float[] out = new float[rows * cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            decodeRow(data, r, row);
            System.arraycopy(row, 0, out, r * cols, cols);
        }
        return out;
    }
}
