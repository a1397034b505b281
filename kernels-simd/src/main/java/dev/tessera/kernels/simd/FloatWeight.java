package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F32, F16 and BF16 weights read in place from their (mmap'd) segment, converted to floats in
 * registers and multiplied with float activations (for F16 already rounded to F16). One method per type and shape keeps the
 * inner loops free of type tests; 4 rows share each activation load. F16/BF16 batches of
 * {@link FloatGemm#MIN_BATCH} or more go through {@link FloatGemm}; F32 rows are read in place for any batch.
 */
final class FloatWeight implements PackedWeight, FloatGemm.RowDecoder {
    final TensorType type;
    final MemorySegment seg;
    final int rows;
    final int cols;
    final long rowBytes;
    /** Columns covered by whole vectors. */
    final int vecCols;

    FloatWeight(Tensor t) {
        this.type = t.type();
        this.seg = t.data();
        this.rows = Math.toIntExact(t.rows());
        this.cols = Math.toIntExact(t.cols());
        this.rowBytes = t.rowBytes();
        this.vecCols = cols / Lanes.FLOATS * Lanes.FLOATS;
    }

    /**
     * llama.cpp multiplies F16 weights with activations rounded to F16. (It rounds them to BF16 for
     * BF16 weights too; that loses 8 bits of every activation and no reference here needs it, so
     * BF16 weights take float activations.)
     */
    @Override
    public TensorType activations() { return type == TensorType.F16 ? TensorType.F16 : TensorType.F32; }

    @Override
    public void rows(float[] x, int xOffset, Q8Rows q8, int n, int r0, int r1, float[] out, int outOffset, int outRows,
                     Scratch scratch) {
        if (type == TensorType.F32) {
            rowsF32(x, xOffset, n, r0, r1, out, outOffset, outRows);
            return;
        }
        if (n >= FloatGemm.MIN_BATCH) {
            FloatGemm.rows(this, cols, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        for (int i = 0; i < n; i++) {
            int x0 = xOffset + i * cols, o = outOffset + i * outRows;
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                if (type == TensorType.F16) dot4F16(x, x0, r, out, o + r);
                else dot4BF16(x, x0, r, out, o + r);
            }
            for (; r < r1; r++) out[o + r] = type == TensorType.F16 ? dotF16(x, x0, r) : dotBF16(x, x0, r);
        }
    }

    /**
     * F32 rows straight from the segment, 4 weight rows at a time against 2 activation rows, so a
     * batch of draft tokens to verify reads each weight vector once per pair of rows instead of
     * once per row. Every output is summed in the same order whatever the batch size, so a
     * verified token gets bit for bit the logits a one-token step would give it.
     */
    private void rowsF32(float[] x, int xOffset, int n, int r0, int r1, float[] out, int outOffset, int outRows) {
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int i = 0;
            for (; i + 2 <= n; i += 2) dot4x2F32(x, xOffset + i * cols, r, out, outOffset + i * outRows + r, outRows);
            for (; i < n; i++) dot4F32(x, xOffset + i * cols, r, out, outOffset + i * outRows + r);
        }
        for (; r < r1; r++) {
            for (int i = 0; i < n; i++) out[outOffset + i * outRows + r] = dotF32(x, xOffset + i * cols, r);
        }
    }

    /** F16/BF16: the columns after the last whole vector, in scalar code. */
    private float tail(float[] x, int x0, int r) {
        float s = 0;
        long o = r * rowBytes;
        for (int c = vecCols; c < cols; c++) {
            short bits = seg.get(LittleEndian.SHORT, o + 2L * c);
            float w = type == TensorType.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
            s += w * x[x0 + c];
        }
        return s;
    }

    // F32 kernels: the columns after the last whole vector go through one masked vector into the
    // same accumulators (a scalar tail cost more than the vector part on 172-wide rows).

    private void dot4F32(float[] x, int x0, int r, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        int c = 0;
        for (; c < vecCols; c += Lanes.FLOATS) {
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, x0 + c);
            acc0 = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc0);
            acc1 = FloatVector.fromMemorySegment(Lanes.F, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc1);
            acc2 = FloatVector.fromMemorySegment(Lanes.F, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc2);
            acc3 = FloatVector.fromMemorySegment(Lanes.F, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc3);
        }
        if (c < cols) {
            VectorMask<Float> m = Lanes.F.indexInRange(c, cols);
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, x0 + c, m);
            acc0 = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN, m).fma(xv, acc0);
            acc1 = FloatVector.fromMemorySegment(Lanes.F, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN, m).fma(xv, acc1);
            acc2 = FloatVector.fromMemorySegment(Lanes.F, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN, m).fma(xv, acc2);
            acc3 = FloatVector.fromMemorySegment(Lanes.F, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN, m).fma(xv, acc3);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dot4F32} for activation rows {@code x0} and {@code x0 + cols}, outputs {@code o} and {@code o + stride}. */
    private void dot4x2F32(float[] x, int x0, int r, float[] out, int o, int stride) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        int x1 = x0 + cols;
        int c = 0;
        for (; c < vecCols; c += Lanes.FLOATS) {
            FloatVector v0 = FloatVector.fromArray(Lanes.F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(Lanes.F, x, x1 + c);
            FloatVector w0 = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            FloatVector w1 = FloatVector.fromMemorySegment(Lanes.F, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            FloatVector w2 = FloatVector.fromMemorySegment(Lanes.F, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            FloatVector w3 = FloatVector.fromMemorySegment(Lanes.F, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
        }
        if (c < cols) {
            VectorMask<Float> m = Lanes.F.indexInRange(c, cols);
            FloatVector v0 = FloatVector.fromArray(Lanes.F, x, x0 + c, m);
            FloatVector v1 = FloatVector.fromArray(Lanes.F, x, x1 + c, m);
            FloatVector w0 = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN, m);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            FloatVector w1 = FloatVector.fromMemorySegment(Lanes.F, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN, m);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            FloatVector w2 = FloatVector.fromMemorySegment(Lanes.F, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN, m);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            FloatVector w3 = FloatVector.fromMemorySegment(Lanes.F, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN, m);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
        }
        out[o] = a00.reduceLanes(VectorOperators.ADD);
        out[o + 1] = a10.reduceLanes(VectorOperators.ADD);
        out[o + 2] = a20.reduceLanes(VectorOperators.ADD);
        out[o + 3] = a30.reduceLanes(VectorOperators.ADD);
        out[o + stride] = a01.reduceLanes(VectorOperators.ADD);
        out[o + stride + 1] = a11.reduceLanes(VectorOperators.ADD);
        out[o + stride + 2] = a21.reduceLanes(VectorOperators.ADD);
        out[o + stride + 3] = a31.reduceLanes(VectorOperators.ADD);
    }

    private float dotF32(float[] x, int x0, int r) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        long o0 = r * rowBytes;
        int c = 0;
        for (; c < vecCols; c += Lanes.FLOATS) {
            acc = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(Lanes.F, x, x0 + c), acc);
        }
        if (c < cols) {
            VectorMask<Float> m = Lanes.F.indexInRange(c, cols);
            acc = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN, m).fma(FloatVector.fromArray(Lanes.F, x, x0 + c, m), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private void dot4F16(float[] x, int x0, int r, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, x0 + c);
            acc0 = Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).fma(xv, acc0);
            acc1 = Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o1 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).fma(xv, acc1);
            acc2 = Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o2 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).fma(xv, acc2);
            acc3 = Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o3 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).fma(xv, acc3);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 1);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 2);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 3);
    }

    private float dotF16(float[] x, int x0, int r) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        long o0 = r * rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            acc = Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).fma(FloatVector.fromArray(Lanes.F, x, x0 + c), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
    }

    private void dot4BF16(float[] x, int x0, int r, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, x0 + c);
            acc0 = ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, acc0);
            acc1 = ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o1 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, acc1);
            acc2 = ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o2 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, acc2);
            acc3 = ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o3 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, acc3);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 1);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 2);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 3);
    }

    private float dotBF16(float[] x, int x0, int r) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        long o0 = r * rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            acc = ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(Lanes.F, x, x0 + c), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
    }

    /** F16/BF16 rows for {@link FloatGemm} (F32 rows take {@link #rowsF32}). */
    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        long o = r * rowBytes;
        int c = 0;
        for (; c < vecCols; c += Lanes.FLOATS) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o + 2L * c, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, Lanes.I, 0);
            FloatVector w = type == TensorType.F16 ? Half.fromBits(bits) : bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            w.intoArray(dst, offset + c);
        }
        for (; c < cols; c++) {
            short bits = seg.get(LittleEndian.SHORT, o + 2L * c);
            dst[offset + c] = type == TensorType.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
        }
    }
}
