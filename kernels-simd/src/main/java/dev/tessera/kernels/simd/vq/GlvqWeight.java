package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.glvq.GlvqFormat;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * GLVQ product with decode fused into the matmul (vector-quantization.md A.9, companding off).
 * For row r and group g, {@code Σ_s ⟨G z_s, x_s⟩ = Σ_j u_j t_j − c_b Σ_j t_j} with
 * {@code t_s = G_gᵀ x_s}: t (cols floats) and its group sums are computed once per input vector
 * (cols·d MACs) and shared by all rows, leaving an unsigned b-bit × float dot per row.
 *
 * <p>Fast path for widths 1, 2, 4: a 16-byte chunk holds {@code 16·8/b} codes; plane q of the
 * chunk (bits q·b of every byte) is extracted with one vector shift/mask, so t is stored permuted
 * plane by plane ({@link #permute}) and each plane is a straight int8 × float dot. Other widths
 * unpack through 64-bit windows into a float scratch. {@link #matVecScalar} is the plain
 * reference of the same fused formula.
 */
public final class GlvqWeight implements VqWeight {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.length() * 8));

    private final String name;
    private final int rows, cols, d, gc, groups, rowBytes;
    private final int[] bits, offsets;
    private final float[] gens, centers;
    private final byte[] data;
    private final float[] t, sums, codes;
    private float[] tBatch = new float[0], sumBatch = new float[0];

    public GlvqWeight(String name, EncodedTensor e) {
        GlvqFormat f = GlvqFormat.of(e);
        if (f.groupCols() % 64 != 0) throw new IllegalArgumentException(name + ": GLVQ group width " + f.groupCols() + " must be a multiple of 64");
        this.name = name;
        this.rows = e.rows();
        this.cols = e.cols();
        this.d = f.dim();
        this.gc = f.groupCols();
        this.groups = f.groups();
        this.rowBytes = f.rowBytes();
        this.bits = f.bits().clone();
        this.offsets = new int[groups];
        this.centers = new float[groups];
        for (int g = 0; g < groups; g++) {
            offsets[g] = f.groupOffset(g);
            centers[g] = (float) GlvqFormat.offset(bits[g]);
        }
        this.gens = f.generators().clone();
        this.data = java.util.Arrays.copyOf(e.data(), e.data().length + 16);
        this.t = new float[cols];
        this.sums = new float[groups];
        this.codes = new float[gc];
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.GLVQ; }
    @Override public long rows() { return rows; }
    @Override public long cols() { return cols; }

    /** {@code t = G_gᵀ x} per sub-vector, permuted for the fast path, and per-group sums. */
    private void prepare(float[] x, int xOff, float[] tOut, int tOff, float[] sumOut, int sOff, boolean permuted) {
        float[] plain = permuted ? codes : null; // reuse as a group-sized scratch
        for (int g = 0; g < groups; g++) {
            float sum = 0;
            for (int s = 0; s < gc; s += d) {
                int c0 = g * gc + s;
                for (int i = 0; i < d; i++) {
                    float v = 0;
                    for (int k = 0; k < d; k++) v += gens[(g * d + k) * d + i] * x[xOff + c0 + k];
                    sum += v;
                    if (permuted) plain[s + i] = v;
                    else tOut[tOff + c0 + i] = v;
                }
            }
            sumOut[sOff + g] = sum;
            if (permuted) permute(plain, bits[g], tOut, tOff + g * gc);
        }
    }

    /**
     * Reorders one group's t to the plane order of the fast path: for widths b ∈ {1,2,4}, chunk
     * c of 16 bytes holds codes {@code c·16p … c·16p+16p−1} (p = 8/b per byte); its plane q lists
     * byte k's code {@code p·k + q} for k = 0..15. Other widths keep column order.
     */
    static void permute(float[] src, int b, float[] dst, int off) {
        if (!planar(b)) {
            System.arraycopy(src, 0, dst, off, src.length);
            return;
        }
        int per = 8 / b, chunk = 16 * per;
        for (int c = 0; c < src.length; c += chunk) {
            for (int q = 0; q < per; q++) {
                for (int k = 0; k < 16; k++) dst[off + c + q * 16 + k] = src[c + per * k + q];
            }
        }
    }

    /** Plain reference of the fused formula: codes read bit by bit, t in column order. */
    public void matVecScalar(float[] x, float[] y, int rowStart, int rowEnd) {
        prepare(x, 0, t, 0, sums, 0, false);
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0;
            for (int g = 0; g < groups; g++) {
                int b = bits[g];
                long base = ((long) r * rowBytes + offsets[g]) * 8;
                float dot = 0;
                for (int j = 0; j < gc; j++) {
                    long p = base + (long) j * b;
                    int v = 0;
                    for (int i = 0; i < b; i++) v |= ((data[(int) ((p + i) >>> 3)] >>> ((p + i) & 7)) & 1) << i;
                    dot += v * t[g * gc + j];
                }
                acc += dot - centers[g] * sums[g];
            }
            y[r] = acc;
        }
    }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        prepare(x, 0, t, 0, sums, 0, true);
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0;
            for (int g = 0; g < groups; g++) {
                int byteBase = r * rowBytes + offsets[g];
                int b = bits[g];
                float dot;
                if (planar(b)) {
                    dot = planeDot(byteBase, b, t, g * gc);
                } else {
                    unpack(byteBase, b, codes);
                    dot = floatDot(codes, t, g * gc);
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
        for (int i = 0; i < n; i++) prepare(x, i * cols, tBatch, i * cols, sumBatch, i * groups, true);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) y[i * rows + r] = 0;
            for (int g = 0; g < groups; g++) {
                int byteBase = r * rowBytes + offsets[g];
                int b = bits[g];
                if (planar(b)) unpackPlanes(byteBase, b, codes);
                else unpack(byteBase, b, codes);
                for (int i = 0; i < n; i++) {
                    y[i * rows + r] += floatDot(codes, tBatch, i * cols + g * gc) - centers[g] * sumBatch[i * groups + g];
                }
            }
        }
    }

    /** Widths whose codes tile a byte and stay below 128 (so a signed byte→float conversion is exact). */
    static boolean planar(int b) {
        return b == 1 || b == 2 || b == 4;
    }

    /** Σ over the group's codes in plane order × permuted t, for b ∈ {1,2,4}. */
    private float planeDot(int byteBase, int b, float[] tp, int tOff) {
        int per = 8 / b, lanes = FS.length();
        int mask = (1 << b) - 1;
        FloatVector acc = FloatVector.zero(FS);
        int chunkCodes = 16 * per;
        for (int c = 0, byteOff = byteBase; c < gc; c += chunkCodes, byteOff += 16) {
            for (int part = 0; part < 16; part += lanes) {
                ByteVector raw = ByteVector.fromArray(BS, data, byteOff + part);
                for (int q = 0; q < per; q++) {
                    ByteVector plane = raw.lanewise(VectorOperators.LSHR, q * b).and((byte) mask);
                    FloatVector u = (FloatVector) plane.convertShape(VectorOperators.B2F, FS, 0);
                    acc = u.fma(FloatVector.fromArray(FS, tp, tOff + c + q * 16 + part), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** The group's codes as floats in the same plane order as {@link #permute}. */
    private void unpackPlanes(int byteBase, int b, float[] out) {
        int per = 8 / b, mask = (1 << b) - 1;
        for (int c = 0, byteOff = byteBase; c < gc; c += 16 * per, byteOff += 16) {
            for (int q = 0; q < per; q++) {
                for (int k = 0; k < 16; k++) out[c + q * 16 + k] = ((data[byteOff + k] & 0xFF) >>> (q * b)) & mask;
            }
        }
    }

    /** Codes in column order through 64-bit windows (any width ≤ 8). */
    private void unpack(int byteBase, int b, float[] out) {
        int mask = (1 << b) - 1;
        long bitBase = (long) byteBase * 8;
        for (int j = 0; j < gc; j++) {
            long p = bitBase + (long) j * b;
            long word = (long) LONG_LE.get(data, (int) (p >>> 3));
            out[j] = (int) (word >>> (p & 7)) & mask;
        }
    }

    private static float floatDot(float[] a, float[] b, int bOff) {
        int lanes = FS.length();
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < a.length; i += lanes) acc = FloatVector.fromArray(FS, a, i).fma(FloatVector.fromArray(FS, b, bOff + i), acc);
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
