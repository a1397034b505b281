package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.glvq.GlvqFormat;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast GLVQ product (Vector API) with decode fused into the matmul (vector-quantization.md A.9,
 * companding off): {@code y_r = Σ_g (Σ_j u_j t_j − c_b Σ_j t_j)}, {@code t_s = G_gᵀ x_s} computed
 * once per input vector (cols·d MACs) and shared by all rows.
 *
 * <p>At load the A.7 codes are transcoded, at the same size, into bit planes: a b-bit code is
 * split into parts of 4, 2 and 1 bits (3 = 2+1, 5 = 4+1, 6 = 4+2, 7 = 4+2+1, 8 = 4+4). A part of
 * width w is stored in 16-byte chunks of {@code 16·8/w} codes; "plane" q of a chunk is bits
 * [q·w, q·w+w) of its 16 bytes and holds codes {@code per·k + q} (per = 8/w, k = 0..15), so one
 * vector shift+mask yields 16 codes, dotted with t permuted the same way ({@link #permute}).
 * The dot of a group is {@code Σ_parts 2^shift · Σ plane·t}. The scalar pair is
 * {@link GlvqScalarWeight}.
 */
public final class GlvqWeight implements VqWeight {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.length() * 8));

    private final String name;
    private final GlvqFormat f;
    private final int rows, cols, gc, groups, rowBytes;
    private final int[][] partWidth, partShift, partOffset; // per group, per part
    private final float[] centers;
    private final byte[] planes;
    private final float[][] tPerm = new float[5][];          // t permuted for part widths 1, 2, 4
    private final float[] t, sums, codes;
    private float[] tBatch = new float[0], sumBatch = new float[0];

    public GlvqWeight(String name, EncodedTensor e) {
        this.f = GlvqFormat.of(e);
        if (f.groupCols() % 128 != 0) throw new IllegalArgumentException(name + ": GLVQ group width " + f.groupCols() + " must be a multiple of 128");
        this.name = name;
        this.rows = e.rows();
        this.cols = e.cols();
        this.gc = f.groupCols();
        this.groups = f.groups();
        this.rowBytes = f.rowBytes();
        this.partWidth = new int[groups][];
        this.partShift = new int[groups][];
        this.partOffset = new int[groups][];
        this.centers = new float[groups];
        int offset = 0;
        for (int g = 0; g < groups; g++) {
            int b = f.bits()[g];
            centers[g] = (float) GlvqFormat.offset(b);
            int[] widths = split(b);
            partWidth[g] = widths;
            partShift[g] = new int[widths.length];
            partOffset[g] = new int[widths.length];
            for (int p = 0, shift = 0; p < widths.length; shift += widths[p], p++) {
                partShift[g][p] = shift;
                partOffset[g][p] = offset;
                offset += gc * widths[p] / 8;
                if (tPerm[widths[p]] == null) tPerm[widths[p]] = new float[cols];
            }
        }
        this.planes = new byte[rows * rowBytes];
        byte[] data = e.data();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                long src = ((long) r * rowBytes + f.groupOffset(g)) * 8;
                int b = f.bits()[g];
                for (int j = 0; j < gc; j++) {
                    int u = (int) LsbBits.read(data, src + (long) j * b, b);
                    for (int p = 0; p < partWidth[g].length; p++) {
                        int w = partWidth[g][p], per = 8 / w;
                        int part = (u >>> partShift[g][p]) & ((1 << w) - 1);
                        int chunk = j / (16 * per), within = j % (16 * per);
                        int k = within / per, q = within % per;
                        planes[r * rowBytes + partOffset[g][p] + chunk * 16 + k] |= (byte) (part << (q * w));
                    }
                }
            }
        }
        this.t = new float[cols];
        this.sums = new float[groups];
        this.codes = new float[gc];
    }

    /** Parts of a b-bit code, low bits first: widths from {4, 2, 1}. */
    static int[] split(int b) {
        return switch (b) {
            case 1 -> new int[] {1};
            case 2 -> new int[] {2};
            case 3 -> new int[] {2, 1};
            case 4 -> new int[] {4};
            case 5 -> new int[] {4, 1};
            case 6 -> new int[] {4, 2};
            case 7 -> new int[] {4, 2, 1};
            case 8 -> new int[] {4, 4};
            default -> throw new IllegalArgumentException("GLVQ width " + b + " outside 1..8");
        };
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.GLVQ; }
    @Override public long rows() { return rows; }
    @Override public long cols() { return cols; }

    /**
     * Reorders t of one group (gc floats at {@code off}) into the plane order of width w: chunk c
     * of {@code 16·per} codes lists, plane by plane, code {@code per·k + q} for k = 0..15.
     */
    static void permute(float[] src, int off, int w, float[] dst) {
        int per = 8 / w, chunk = 16 * per;
        for (int c = off; c < off + 128; c += chunk) {
            for (int q = 0; q < per; q++) {
                for (int k = 0; k < 16; k++) dst[c + q * 16 + k] = src[c + per * k + q];
            }
        }
    }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        GlvqScalarWeight.prepare(f, x, 0, t, 0, sums, 0);
        for (int w = 1; w <= 4; w <<= 1) {
            if (tPerm[w] == null) continue;
            for (int c = 0; c < cols; c += 128) permute(t, c, w, tPerm[w]);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0;
            int rowBase = r * rowBytes;
            for (int g = 0; g < groups; g++) {
                float dot = 0;
                int[] widths = partWidth[g];
                for (int p = 0; p < widths.length; p++) {
                    int w = widths[p];
                    float pd = 0;
                    for (int c = 0; c < gc; c += 128) {
                        pd += planeDot(rowBase + partOffset[g][p] + c * w / 8, w, tPerm[w], g * gc + c);
                    }
                    dot += pd * (1 << partShift[g][p]);
                }
                acc += dot - centers[g] * sums[g];
            }
            y[r] = acc;
        }
    }

    @Override
    public void matMul(float[] x, int n, float[] y) {
        if (tBatch.length < n * cols) {
            tBatch = new float[n * cols];
            sumBatch = new float[n * groups];
        }
        for (int i = 0; i < n; i++) GlvqScalarWeight.prepare(f, x, i * cols, tBatch, i * cols, sumBatch, i * groups);
        int lanes = FS.length();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) y[i * rows + r] = 0;
            for (int g = 0; g < groups; g++) {
                unpack(r, g, codes);
                for (int i = 0; i < n; i++) {
                    FloatVector acc = FloatVector.zero(FS);
                    int tb = i * cols + g * gc;
                    for (int j = 0; j < gc; j += lanes) acc = FloatVector.fromArray(FS, codes, j).fma(FloatVector.fromArray(FS, tBatch, tb + j), acc);
                    y[i * rows + r] += acc.reduceLanes(VectorOperators.ADD) - centers[g] * sumBatch[i * groups + g];
                }
            }
        }
    }

    /** Codes of (row r, group g) as floats in column order, from the planes. */
    private void unpack(int r, int g, float[] out) {
        java.util.Arrays.fill(out, 0);
        for (int p = 0; p < partWidth[g].length; p++) {
            int w = partWidth[g][p], per = 8 / w, mask = (1 << w) - 1, shift = partShift[g][p];
            int base = r * rowBytes + partOffset[g][p];
            for (int j = 0; j < gc; j++) {
                int chunk = j / (16 * per), within = j % (16 * per);
                int v = ((planes[base + chunk * 16 + within / per] & 0xFF) >>> ((within % per) * w)) & mask;
                out[j] += v << shift;
            }
        }
    }

    /** Σ over 128 codes of one part (width w ∈ {1,2,4}, {@code 16·w} bytes) × permuted t. */
    private float planeDot(int byteOff, int w, float[] tp, int tOff) {
        int per = 8 / w, lanes = FS.length();
        byte mask = (byte) ((1 << w) - 1);
        FloatVector acc = FloatVector.zero(FS);
        for (int c = 0; c < 128; c += 16 * per, byteOff += 16) {
            for (int part = 0; part < 16; part += lanes) {
                ByteVector raw = ByteVector.fromArray(BS, planes, byteOff + part);
                for (int q = 0; q < per; q++) {
                    FloatVector u = (FloatVector) raw.lanewise(VectorOperators.LSHR, q * w).and(mask)
                            .convertShape(VectorOperators.B2F, FS, 0);
                    acc = u.fma(FloatVector.fromArray(FS, tp, tOff + c + q * 16 + part), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
