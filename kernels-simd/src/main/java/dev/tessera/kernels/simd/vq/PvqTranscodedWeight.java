package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.pvq.HadamardRotation;
import dev.tessera.quant.pvq.PvqFormat;
import dev.tessera.quant.pvq.PyramidIndex;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.LsbBits;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * PVQ product after a load-time transcode (vector-quantization.md B.7, last paragraph): every
 * group's pyramid point is decoded once into D signed bytes of pulses plus one float scale
 * {@code ρ·γ/‖y‖}, and the product is a plain int8 × float Vector API dot with a per-group scale.
 * Trades memory (8 bits per weight + 32 bits per group in RAM, versus 3–4 stored) for a
 * branch-free inner loop. Requires D to be a multiple of the float lane count (16 with AVX-512, else 8).
 */
public final class PvqTranscodedWeight implements VqWeight {
    private final String name;
    private final int rows, cols, d, groups;
    private final byte[] pulses;
    private final float[] scales;
    private final HadamardRotation rotation;
    private final float[] rotated;
    // Species must be compile-time constants for C2 to intrinsify the vector code.
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.length() * 8));
    private final float[] decodedRow;
    private float[] rowScratch = new float[0];

    public PvqTranscodedWeight(String name, EncodedTensor t) {
        PvqFormat f = PvqFormat.of(t);
        this.name = name;
        this.rows = t.rows();
        this.cols = t.cols();
        this.d = f.groupSize();
        this.groups = cols / d;
        if (d % FS.length() != 0) throw new IllegalArgumentException(name + ": PVQ group size " + d + " is not a multiple of " + FS.length() + " vector lanes");
        this.pulses = new byte[rows * cols + 64];
        this.scales = new float[rows * groups];
        PyramidIndex index = new PyramidIndex(d, f.pulses());
        int ib = f.indexBits(), gb = f.groupBits(), rowBytes = f.rowBytes();
        float[] gains = f.gainLevels();
        int[] y = new int[d];
        byte[] data = t.data();
        for (int r = 0; r < rows; r++) {
            float rho = PvqFormat.rowNorm(data, r * rowBytes);
            long base = (r * (long) rowBytes + 2) * 8;
            for (int g = 0; g < groups; g++) {
                long bit = base + (long) g * gb;
                index.decode(LsbBits.read(data, bit, ib), y);
                int code = (int) LsbBits.read(data, bit + ib, f.gainBits());
                long n2 = 0;
                for (int i = 0; i < d; i++) {
                    if (y[i] < Byte.MIN_VALUE || y[i] > Byte.MAX_VALUE) throw new IllegalArgumentException(name + ": PVQ pulse count " + y[i] + " exceeds int8");
                    pulses[r * cols + g * d + i] = (byte) y[i];
                    n2 += (long) y[i] * y[i];
                }
                scales[r * groups + g] = (float) (rho * gains[code] / Math.sqrt(n2));
            }
        }
        this.rotation = f.rotated() ? new HadamardRotation(cols, f.rotationSeed()) : null;
        this.rotated = new float[cols];
        this.decodedRow = new float[cols];
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.PVQ; }
    @Override public long rows() { return rows; }
    @Override public long cols() { return cols; }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        float[] xr = rotate(x, 0, rotated);
        int lanes = FS.length();
        for (int r = rowStart; r < rowEnd; r++) {
            FloatVector acc = FloatVector.zero(FS);
            int p = r * cols, s = r * groups;
            for (int g = 0; g < groups; g++, s++) {
                FloatVector sum = FloatVector.zero(FS);
                for (int i = 0; i < d; i += lanes, p += lanes) {
                    FloatVector q = (FloatVector) ByteVector.fromArray(BS, pulses, p).convertShape(VectorOperators.B2F, FS, 0);
                    sum = q.fma(FloatVector.fromArray(FS, xr, g * d + i), sum);
                }
                acc = sum.fma(FloatVector.broadcast(FS, scales[s]), acc);
            }
            y[r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    @Override
    public void matMul(float[] x, int n, float[] y) {
        if (rowScratch.length < n * cols) rowScratch = new float[n * cols];
        float[] xr = rowScratch;
        for (int i = 0; i < n; i++) {
            float[] one = rotate(x, i * cols, rotated);
            System.arraycopy(one, 0, xr, i * cols, cols);
        }
        float[] w = decodedRow;
        int lanes = FS.length();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                float s = scales[r * groups + g];
                for (int i = 0; i < d; i++) w[g * d + i] = pulses[r * cols + g * d + i] * s;
            }
            for (int t = 0; t < n; t++) {
                FloatVector acc = FloatVector.zero(FS);
                int base = t * cols;
                for (int c = 0; c < cols; c += lanes) acc = FloatVector.fromArray(FS, w, c).fma(FloatVector.fromArray(FS, xr, base + c), acc);
                y[t * rows + r] = acc.reduceLanes(VectorOperators.ADD);
            }
        }
    }

    private float[] rotate(float[] x, int off, float[] out) {
        if (rotation != null) rotation.apply(x, off, out);
        else System.arraycopy(x, off, out, 0, cols);
        return out;
    }
}
