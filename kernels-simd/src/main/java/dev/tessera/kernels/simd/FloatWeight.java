package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F32, F16 and BF16 weights read in place from their (mmap'd) segment, converted to floats in
 * registers and multiplied with float activations (for F16 already rounded to F16). One method per type and shape keeps the
 * inner loops free of type tests; 4 rows share each activation load. Batches of
 * {@link FloatGemm#MIN_BATCH} or more (F32: 2 or more) go through {@link FloatGemm}.
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
        // F32 rows need no decoding and the GEMM sums each output in the same order as dot4F32, so
        // from two activation rows on it reads each weight once for all rows (verifying draft tokens).
        if (n >= (type == TensorType.F32 ? 2 : FloatGemm.MIN_BATCH)) {
            FloatGemm.rows(this, cols, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        for (int i = 0; i < n; i++) {
            int x0 = xOffset + i * cols, o = outOffset + i * outRows;
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                switch (type) {
                    case F32 -> dot4F32(x, x0, r, out, o + r);
                    case F16 -> dot4F16(x, x0, r, out, o + r);
                    default -> dot4BF16(x, x0, r, out, o + r);
                }
            }
            for (; r < r1; r++) out[o + r] = dot(x, x0, r);
        }
    }

    private float dot(float[] x, int x0, int r) {
        return switch (type) {
            case F32 -> dotF32(x, x0, r);
            case F16 -> dotF16(x, x0, r);
            default -> dotBF16(x, x0, r);
        };
    }

    /** The columns after the last whole vector, in scalar code. */
    private float tail(float[] x, int x0, int r) {
        float s = 0;
        long o = r * rowBytes;
        for (int c = vecCols; c < cols; c++) {
            float w = switch (type) {
                case F32 -> seg.get(LittleEndian.FLOAT, o + 4L * c);
                case F16 -> Float.float16ToFloat(seg.get(LittleEndian.SHORT, o + 2L * c));
                default -> Float.intBitsToFloat(seg.get(LittleEndian.SHORT, o + 2L * c) << 16);
            };
            s += w * x[x0 + c];
        }
        return s;
    }

    private void dot4F32(float[] x, int x0, int r, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, x0 + c);
            acc0 = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc0);
            acc1 = FloatVector.fromMemorySegment(Lanes.F, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc1);
            acc2 = FloatVector.fromMemorySegment(Lanes.F, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc2);
            acc3 = FloatVector.fromMemorySegment(Lanes.F, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xv, acc3);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 1);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 2);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD) + tail(x, x0, r + 3);
    }

    private float dotF32(float[] x, int x0, int r) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        long o0 = r * rowBytes;
        for (int c = 0; c < vecCols; c += Lanes.FLOATS) {
            acc = FloatVector.fromMemorySegment(Lanes.F, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(Lanes.F, x, x0 + c), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail(x, x0, r);
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

    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        long o = r * rowBytes;
        int c = 0;
        for (; c < vecCols; c += Lanes.FLOATS) {
            FloatVector w = switch (type) {
                case F32 -> FloatVector.fromMemorySegment(Lanes.F, seg, o + 4L * c, ByteOrder.LITTLE_ENDIAN);
                case F16 -> Half.fromBits((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o + 2L * c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.S2I, Lanes.I, 0));
                default -> ((IntVector) ShortVector.fromMemorySegment(Lanes.S_HALF, seg, o + 2L * c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.S2I, Lanes.I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            };
            w.intoArray(dst, offset + c);
        }
        for (; c < cols; c++) {
            dst[offset + c] = switch (type) {
                case F32 -> seg.get(LittleEndian.FLOAT, o + 4L * c);
                case F16 -> Float.float16ToFloat(seg.get(LittleEndian.SHORT, o + 2L * c));
                default -> Float.intBitsToFloat(seg.get(LittleEndian.SHORT, o + 2L * c) << 16);
            };
        }
    }
}
