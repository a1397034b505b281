package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.pvq.HadamardRotation;
import dev.tessera.quant.pvq.PvqFormat;
import dev.tessera.quant.pvq.PyramidIndex;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.tensor.TensorType;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * PVQ product after a load-time transcode to 4-bit pulses (vector-quantization.md B.7, last
 * paragraph): every group's pyramid point is decoded once; pulses in [−8, 7] are stored as
 * nibbles (offset 8), and the few larger ones go to a per-row escape list that adds the
 * remainder {@code (y − clamp(y))·scale·x'} after the vector loop. Each group keeps its gain code
 * and {@code ‖y‖²} in 16 bits, so its scale {@code ρ·γ[code]/‖y‖} is rebuilt exactly from two
 * table reads. In RAM: 4 bits per weight + 1 bit per weight of group words + escapes (≈5 bpw)
 * instead of 3–4 stored, for a branch-free int4 × float inner loop.
 *
 * <p>Layout: rows of {@code cols/2} bytes; groups are paired (D = 16, groups 2p and 2p+1): byte
 * k of pair p holds pulse k of group 2p in its low nibble and of group 2p+1 in its high nibble.
 */
public final class PvqTranscodedWeight implements VqWeight {
    // Species must be compile-time constants for C2 to intrinsify the vector code.
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.length() * 8));
    private static final int D = 16;

    private final String name;
    private final int rows, cols, groups;
    private final byte[] nibbles;
    private final short[] groupWords;   // gain code << 12 | ‖y‖²
    private final float[] rho, gains, invNorm;
    private final int[] escapeStart;    // per row, into the escape arrays (rows + 1 entries)
    private final int[] escapeCol;
    private final float[] escapeDelta;  // (y − clamp(y)) for that column
    private final HadamardRotation rotation;
    private final float[] rotated, decodedRow;
    private float[] batch = new float[0];

    public PvqTranscodedWeight(String name, EncodedTensor t) {
        PvqFormat f = PvqFormat.of(t);
        if (f.groupSize() != D || t.cols() % (2 * D) != 0) {
            throw new IllegalArgumentException(name + ": transcoded PVQ needs D = 16 and a multiple of 32 columns, got D=" + f.groupSize() + ", " + t.cols() + " columns");
        }
        if (f.pulses() * f.pulses() >= 1 << 12 || f.gainBits() > 4) {
            throw new IllegalArgumentException(name + ": transcoded PVQ needs K ≤ 63 and ≤ 4 gain bits");
        }
        this.name = name;
        this.rows = t.rows();
        this.cols = t.cols();
        this.groups = cols / D;
        this.nibbles = new byte[rows * cols / 2];
        this.groupWords = new short[rows * groups];
        this.rho = new float[rows];
        this.gains = f.gainLevels().clone();
        this.invNorm = new float[f.pulses() * f.pulses() + 1];
        for (int i = 1; i < invNorm.length; i++) invNorm[i] = (float) (1 / Math.sqrt(i));
        this.escapeStart = new int[rows + 1];
        int[] escCol = new int[64];
        float[] escDelta = new float[64];
        int escapes = 0;
        PyramidIndex index = new PyramidIndex(D, f.pulses());
        int ib = f.indexBits(), gb = f.groupBits(), rowBytes = f.rowBytes();
        int[] y = new int[D];
        byte[] data = t.data();
        for (int r = 0; r < rows; r++) {
            escapeStart[r] = escapes;
            rho[r] = PvqFormat.rowNorm(data, r * rowBytes);
            long base = (r * (long) rowBytes + 2) * 8;
            for (int g = 0; g < groups; g++) {
                long bit = base + (long) g * gb;
                index.decode(LsbBits.read(data, bit, ib), y);
                int code = (int) LsbBits.read(data, bit + ib, f.gainBits());
                int n2 = 0;
                int pairByte = r * cols / 2 + (g / 2) * D;
                int shift = (g & 1) * 4;
                for (int i = 0; i < D; i++) {
                    n2 += y[i] * y[i];
                    int c = Math.max(-8, Math.min(7, y[i]));
                    nibbles[pairByte + i] |= (byte) ((c + 8) << shift);
                    if (c != y[i]) {
                        if (escapes == escCol.length) {
                            escCol = Arrays.copyOf(escCol, escapes * 2);
                            escDelta = Arrays.copyOf(escDelta, escapes * 2);
                        }
                        escCol[escapes] = g * D + i;
                        escDelta[escapes++] = y[i] - c;
                    }
                }
                groupWords[r * groups + g] = (short) (code << 12 | n2);
            }
        }
        escapeStart[rows] = escapes;
        this.escapeCol = Arrays.copyOf(escCol, escapes);
        this.escapeDelta = Arrays.copyOf(escDelta, escapes);
        this.rotation = f.rotated() ? new HadamardRotation(cols, f.rotationSeed()) : null;
        this.rotated = new float[cols];
        this.decodedRow = new float[cols];
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.PVQ; }
    @Override public long rows() { return rows; }
    @Override public long cols() { return cols; }

    /** Number of pulses stored in the escape list (for diagnostics and tests). */
    public int escapes() { return escapeStart[rows]; }

    private float scale(int r, int g) {
        int word = groupWords[r * groups + g] & 0xFFFF;
        return rho[r] * gains[word >>> 12] * invNorm[word & 0xFFF];
    }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        float[] xr = rotate(x, 0, rotated);
        int lanes = FS.length();
        for (int r = rowStart; r < rowEnd; r++) {
            FloatVector acc = FloatVector.zero(FS);
            int rowByte = r * cols / 2;
            for (int g = 0; g < groups; g += 2) {
                FloatVector lo = FloatVector.zero(FS), hi = FloatVector.zero(FS);
                int pb = rowByte + (g / 2) * D, xa = g * D, xb = xa + D;
                for (int i = 0; i < D; i += lanes) {
                    ByteVector raw = ByteVector.fromArray(BS, nibbles, pb + i);
                    FloatVector a = (FloatVector) raw.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, FS, 0);
                    FloatVector b = (FloatVector) raw.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, FS, 0);
                    lo = a.fma(FloatVector.fromArray(FS, xr, xa + i), lo);
                    hi = b.fma(FloatVector.fromArray(FS, xr, xb + i), hi);
                }
                acc = lo.fma(FloatVector.broadcast(FS, scale(r, g)), acc);
                acc = hi.fma(FloatVector.broadcast(FS, scale(r, g + 1)), acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (int e = escapeStart[r]; e < escapeStart[r + 1]; e++) {
                int c = escapeCol[e];
                s += escapeDelta[e] * scale(r, c / D) * xr[c];
            }
            y[r] = s;
        }
    }

    @Override
    public void matMul(float[] x, int n, float[] y) {
        if (batch.length < n * cols) batch = new float[n * cols];
        for (int i = 0; i < n; i++) System.arraycopy(rotate(x, i * cols, rotated), 0, batch, i * cols, cols);
        int lanes = FS.length();
        for (int r = 0; r < rows; r++) {
            decodeRow(r, decodedRow);
            for (int t = 0; t < n; t++) {
                FloatVector acc = FloatVector.zero(FS);
                int base = t * cols;
                for (int c = 0; c < cols; c += lanes) acc = FloatVector.fromArray(FS, decodedRow, c).fma(FloatVector.fromArray(FS, batch, base + c), acc);
                y[t * rows + r] = acc.reduceLanes(VectorOperators.ADD);
            }
        }
    }

    /** Row r in the rotated basis, from the transcoded form (nibbles, escapes, group words). */
    private void decodeRow(int r, float[] out) {
        int rowByte = r * cols / 2;
        for (int g = 0; g < groups; g++) {
            float s = scale(r, g);
            int pb = rowByte + (g / 2) * D, shift = (g & 1) * 4;
            for (int i = 0; i < D; i++) out[g * D + i] = ((((nibbles[pb + i] & 0xFF) >>> shift) & 0xF) - 8) * s;
        }
        for (int e = escapeStart[r]; e < escapeStart[r + 1]; e++) {
            int c = escapeCol[e];
            out[c] += escapeDelta[e] * scale(r, c / D);
        }
    }

    private float[] rotate(float[] x, int off, float[] out) {
        if (rotation != null) rotation.apply(x, off, out);
        else System.arraycopy(x, off, out, 0, cols);
        return out;
    }
}
