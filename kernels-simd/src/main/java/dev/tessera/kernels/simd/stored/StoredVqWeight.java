package dev.tessera.kernels.simd.stored;

import dev.tessera.kernels.simd.vq.VqWeight;
import dev.tessera.kernels.simd.vq.VqWeights;
import dev.tessera.quant.vqfile.EncodedTensorBytes;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/**
 * A GLVQ/PVQ matrix loaded from a file tensor (the blob of {@link EncodedTensorBytes}) onto the
 * vq kernels, with the stored size for bits-per-weight figures. The backend's buffers are slices
 * of larger arrays, so products go through scratch arrays owned by the weight (not thread-safe,
 * like the kernels themselves).
 */
public final class StoredVqWeight implements Weight {
    private final VqWeight kernel;
    private final long bytes;
    private float[] x = new float[0];
    private float[] y = new float[0];

    private StoredVqWeight(VqWeight kernel, long bytes) {
        this.kernel = kernel;
        this.bytes = bytes;
    }

    /** True for the types this class loads. */
    public static boolean handles(TensorType t) {
        return t == TensorType.GLVQ || t == TensorType.PVQ;
    }

    public static StoredVqWeight load(Tensor t) {
        var encoded = EncodedTensorBytes.decode(t.name(), t.data());
        if (encoded.type() != t.type() || encoded.rows() != t.rows() || encoded.cols() != t.cols()) {
            throw new IllegalArgumentException("tensor " + t.name() + ": VQ header says " + encoded.type() + " "
                    + encoded.rows() + "x" + encoded.cols() + ", the file " + t.type() + " " + t.shape());
        }
        return new StoredVqWeight(VqWeights.load(t.name(), encoded), t.data().byteSize());
    }

    /** {@code out[i·rows + r] = W[r]·x[i]} for n activation rows at {@code xs[xOff..]}, results at {@code out[outOff..]}. */
    public void matmul(float[] xs, int xOff, int n, float[] out, int outOff) {
        int cols = (int) kernel.cols();
        int rows = (int) kernel.rows();
        if (x.length < n * cols) x = new float[n * cols];
        if (y.length < n * rows) y = new float[n * rows];
        System.arraycopy(xs, xOff, x, 0, n * cols);
        kernel.matMul(x, n, y);
        System.arraycopy(y, 0, out, outOff, n * rows);
    }

    @Override public String name() { return kernel.name(); }
    @Override public TensorType type() { return kernel.type(); }
    @Override public long rows() { return kernel.rows(); }
    @Override public long cols() { return kernel.cols(); }
    @Override public long bytes() { return bytes; }
}
