package dev.tessera.quant.pvq;

import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.tensor.TensorType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PVQ tensor format (vector-quantization.md B.7), one linear weight of m rows × n columns,
 * stored in the rotated basis {@code W' = W Rᵀ} when rotation is on.
 *
 * <pre>
 * header (tensor metadata):
 *   pvq.group_size    int    D, group length along the input dimension (n % D == 0, D ≤ 64)
 *   pvq.pulses        int    K, pulses per group: the shape is a point of S(D, K)
 *   pvq.gain_bits     int    b_a, bits of the relative-gain code
 *   pvq.gain_levels   float[2^b_a]  relative gain levels γ (FP16-exact values; FP16 on disk)
 *   pvq.rotation      int    1 = rows rotated by {@link HadamardRotation}, 0 = none
 *   pvq.rotation_seed long   seed of the rotation's ±1 signs
 * payload, row-major, rowBytes per row (a multiple of 8, rows start 8-byte aligned):
 *   bytes 0..1  ρ_r, the row's L2 norm (FP16, little endian)
 *   from byte 2, an LSB-first bitstream ({@link LsbBits}); group g occupies bits
 *   [g·(I+b_a), (g+1)·(I+b_a)): first I = ⌈log2 V(D,K)⌉ bits of pyramid index
 *   ({@link PyramidIndex} order), then b_a bits of gain code; zero padding to rowBytes.
 * group g of row r decodes to  ρ_r · γ[code] · y / ‖y‖₂  with y = PyramidIndex.decode(index).
 * </pre>
 * The V(D,K) table is rebuilt at load time from D and K.
 */
public record PvqFormat(int rows, int cols, int groupSize, int pulses, int gainBits, float[] gainLevels,
                        boolean rotated, long rotationSeed) {
    public static final String GROUP_SIZE = "pvq.group_size";
    public static final String PULSES = "pvq.pulses";
    public static final String GAIN_BITS = "pvq.gain_bits";
    public static final String GAIN_LEVELS = "pvq.gain_levels";
    public static final String ROTATION = "pvq.rotation";
    public static final String ROTATION_SEED = "pvq.rotation_seed";

    public PvqFormat {
        if (groupSize < 1 || groupSize > 64 || cols % groupSize != 0) {
            throw new IllegalArgumentException(GROUP_SIZE + ": group size " + groupSize + " must be in [1,64] and divide " + cols + " columns");
        }
        if (pulses < 1) throw new IllegalArgumentException(PULSES + ": expected at least 1 pulse, got " + pulses);
        if (!PyramidCount.fitsLong(groupSize, pulses)) {
            throw new IllegalArgumentException(PULSES + ": V(" + groupSize + "," + pulses + ") does not fit 63 bits");
        }
        if (gainBits < 1 || gainBits > 8 || gainLevels.length != 1 << gainBits) {
            throw new IllegalArgumentException(GAIN_LEVELS + ": expected 2^" + gainBits + " levels, got " + gainLevels.length);
        }
    }

    /** Bits of one pyramid index: ⌈log2 V(D, K)⌉. */
    public int indexBits() {
        return PyramidCount.indexBits(new PyramidCount(groupSize, pulses).count(groupSize, pulses));
    }

    public int groups() { return cols / groupSize; }

    public int groupBits() { return indexBits() + gainBits; }

    /** Bytes per row: 2 (ρ) + the groups' bitstream, padded to a multiple of 8. */
    public int rowBytes() {
        long bits = 16L + (long) groups() * groupBits();
        return (int) (((bits + 63) / 64) * 8);
    }

    /** Header bits on disk: gain levels as FP16 plus six 32/64-bit scalars. */
    public long headerBits() {
        return 16L * gainLevels.length + 5 * 32 + 64;
    }

    public Map<String, Object> header() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put(GROUP_SIZE, groupSize);
        h.put(PULSES, pulses);
        h.put(GAIN_BITS, gainBits);
        h.put(GAIN_LEVELS, gainLevels.clone());
        h.put(ROTATION, rotated ? 1 : 0);
        h.put(ROTATION_SEED, rotationSeed);
        return h;
    }

    public static PvqFormat of(EncodedTensor t) {
        if (t.type() != TensorType.PVQ) throw new IllegalArgumentException("expected a PVQ tensor, got " + t.type());
        PvqFormat f = new PvqFormat(t.rows(), t.cols(), t.intValue(GROUP_SIZE), t.intValue(PULSES), t.intValue(GAIN_BITS),
                t.floats(GAIN_LEVELS), t.intValue(ROTATION) != 0, t.longValue(ROTATION_SEED));
        if (t.data().length != (long) f.rowBytes() * t.rows()) {
            throw new IllegalArgumentException("PVQ payload has " + t.data().length + " bytes, expected rows×rowBytes = "
                    + t.rows() + "×" + f.rowBytes());
        }
        return f;
    }

    /** ρ_r of a row. */
    public static float rowNorm(byte[] data, int rowStart) {
        return Float.float16ToFloat((short) ((data[rowStart] & 0xFF) | (data[rowStart + 1] << 8)));
    }

    /**
     * Reference decode of row r in the stored (rotated) basis into {@code out[0..cols)}.
     * Plain and slow: used by tests and as the kernels' reference.
     */
    public void decodeStoredRow(byte[] data, int r, PyramidIndex index, float[] out) {
        int rowStart = r * rowBytes();
        float rho = rowNorm(data, rowStart);
        int ib = PyramidCount.indexBits(index.size());
        int gb = ib + gainBits;
        int[] y = new int[groupSize];
        long base = (rowStart + 2L) * 8;
        for (int g = 0; g < groups(); g++) {
            long bit = base + (long) g * gb;
            long idx = LsbBits.read(data, bit, ib);
            int code = (int) LsbBits.read(data, bit + ib, gainBits);
            index.decode(idx, y);
            double n2 = 0;
            for (int v : y) n2 += (double) v * v;
            double s = rho * gainLevels[code] / Math.sqrt(n2);
            for (int i = 0; i < groupSize; i++) out[g * groupSize + i] = (float) (s * y[i]);
        }
    }

    /** Reference decode of the whole matrix in the original basis (rotation undone). */
    public float[] dequantize(byte[] data) {
        PyramidIndex index = new PyramidIndex(groupSize, pulses);
        HadamardRotation rot = rotated ? new HadamardRotation(cols, rotationSeed) : null;
        float[] out = new float[rows * cols];
        float[] row = new float[cols];
        float[] back = new float[cols];
        for (int r = 0; r < rows; r++) {
            decodeStoredRow(data, r, index, row);
            if (rot != null) {
                rot.applyTranspose(row, 0, back);
                System.arraycopy(back, 0, out, r * cols, cols);
            } else {
                System.arraycopy(row, 0, out, r * cols, cols);
            }
        }
        return out;
    }
}
