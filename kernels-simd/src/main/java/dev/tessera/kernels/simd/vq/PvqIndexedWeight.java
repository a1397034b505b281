package dev.tessera.kernels.simd.vq;

import dev.tessera.quant.pvq.HadamardRotation;
import dev.tessera.quant.pvq.PvqFormat;
import dev.tessera.quant.pvq.PyramidCount;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * PVQ product straight from the stored bits: each group's pyramid index is decoded inside the
 * dot product (vector-quantization.md B.7). The walk over the enumeration emits one signed pulse
 * run per non-zero coordinate, so the group dot {@code Σ y_i x'_i} needs no multiplications by
 * zero and {@code ‖y‖²} comes for free; {@code 1/‖y‖} is a table lookup. Keeps the 3–4 bpw
 * storage in memory; costs O(D + K) branchy table reads per group.
 */
public final class PvqIndexedWeight implements VqWeight {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final int rows, cols, d, k, indexBits, gainBits, groupBits, rowBytes;
    private final byte[] data;
    private final long[] counts;     // V(n, k) at n·(K+1) + k
    private final float[] gains;
    private final float[] invNorm;   // 1/sqrt(n2) for n2 ≤ K²
    private final HadamardRotation rotation;
    private final float[] rotated;

    public PvqIndexedWeight(String name, EncodedTensor t) {
        PvqFormat f = PvqFormat.of(t);
        this.name = name;
        this.rows = t.rows();
        this.cols = t.cols();
        this.d = f.groupSize();
        this.k = f.pulses();
        this.indexBits = f.indexBits();
        this.gainBits = f.gainBits();
        this.groupBits = f.groupBits();
        this.rowBytes = f.rowBytes();
        this.data = java.util.Arrays.copyOf(t.data(), t.data().length + 16); // slack for 9-byte window reads
        PyramidCount v = new PyramidCount(d, k);
        this.counts = new long[(d + 1) * (k + 1)];
        for (int n = 0; n <= d; n++) for (int j = 0; j <= k; j++) counts[n * (k + 1) + j] = v.count(n, j);
        this.gains = f.gainLevels().clone();
        this.invNorm = new float[k * k + 1];
        for (int i = 1; i < invNorm.length; i++) invNorm[i] = (float) (1 / Math.sqrt(i));
        this.rotation = f.rotated() ? new HadamardRotation(cols, f.rotationSeed()) : null;
        this.rotated = new float[cols];
    }

    @Override public String name() { return name; }
    @Override public TensorType type() { return TensorType.PVQ; }
    @Override public long rows() { return rows; }
    @Override public long cols() { return cols; }

    @Override
    public void matVec(float[] x, float[] y, int rowStart, int rowEnd) {
        float[] xr = rotate(x, 0);
        for (int r = rowStart; r < rowEnd; r++) y[r] = row(r, xr);
    }

    @Override
    public void matMul(float[] x, int n, float[] y) {
        for (int i = 0; i < n; i++) {
            float[] xr = rotate(x, i * cols);
            for (int r = 0; r < rows; r++) y[i * rows + r] = row(r, xr);
        }
    }

    private float[] rotate(float[] x, int off) {
        if (rotation != null) rotation.apply(x, off, rotated);
        else System.arraycopy(x, off, rotated, 0, cols);
        return rotated;
    }

    private float row(int r, float[] xr) {
        int start = r * rowBytes;
        float rho = PvqFormat.rowNorm(data, start);
        long bit = (start + 2L) * 8;
        long indexMask = indexBits == 64 ? -1L : (1L << indexBits) - 1;
        int gainMask = (1 << gainBits) - 1;
        int stride = k + 1;
        float acc = 0;
        for (int g = 0, base = 0; base < cols; g++, base += d, bit += groupBits) {
            int byteIndex = (int) (bit >>> 3);
            int shift = (int) (bit & 7);
            long word = (long) LONG_LE.get(data, byteIndex) >>> shift;
            long hi = shift == 0 ? 0 : ((long) (data[byteIndex + 8] & 0xFF)) << (64 - shift);
            word |= hi;
            long b = word & indexMask;
            // the gain code may straddle the 64-bit window: read it separately
            long gbit = bit + indexBits;
            int gByte = (int) (gbit >>> 3);
            int code = (int) (((data[gByte] & 0xFF) | ((data[gByte + 1] & 0xFF) << 8)) >>> (gbit & 7)) & gainMask;
            int left = k, n2 = 0;
            float dot = 0;
            for (int i = 0; i < d && left > 0; i++) {
                int rest = d - i - 1;
                long zero = counts[rest * stride + left];
                if (b < zero) continue;
                b -= zero;
                int t = 1;
                boolean negative;
                if (rest == 0) { // the last coordinate takes every remaining pulse: b is 0 (+) or 1 (−)
                    t = left;
                    negative = b != 0;
                } else while (true) {
                    long c = counts[rest * stride + left - t];
                    if (b < c) { negative = false; break; }
                    b -= c;
                    if (b < c) { negative = true; break; }
                    b -= c;
                    t++;
                }
                float xi = xr[base + i];
                dot += negative ? -t * xi : t * xi;
                n2 += t * t;
                left -= t;
            }
            acc += gains[code] * invNorm[n2] * dot;
        }
        return rho * acc;
    }
}
