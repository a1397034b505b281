package dev.tessera.kernels.simd;

import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F32, F16 and BF16 weights read in place from their (mmap'd) segment, converted to floats in
 * registers and multiplied with float activations (for F16 already rounded to F16). One method per
 * type and shape keeps the inner loops free of type tests; several rows share each activation load.
 *
 * <p>F32 and F16 follow ggml's float order bit for bit ({@code LlamaCppDot.dotVec/dotGemm}): one
 * token, or rows whose length is not a multiple of 8, take its single-token dot product (four
 * 8-lane accumulators over 32-element steps, {@link FloatGemm#reduce8}, then the remaining elements
 * one by one: in float for F32, in double for F16); batches of 2 or more take its tiled GEMM
 * ({@link FloatGemm#rowsInOrder}). The lane count is part of that order: the single-token kernels
 * come for 8 and for 16 lanes (only {@link Lanes#F}'s width runs: mixing float widths in hot code
 * boxes vectors, see {@link FloatGemm}). BF16 keeps its own order: batches of
 * {@link FloatGemm#MIN_BATCH} or more through {@link FloatGemm#rows}.
 */
final class FloatWeight implements PackedWeight, FloatGemm.RowDecoder {
    // the 16-lane kernels run only when Lanes.F is 512 bits, the 8-lane ones when it is 256
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F16L = FloatVector.SPECIES_512;
    final TensorType type;
    final MemorySegment seg;
    final int rows;
    final int cols;
    final long rowBytes;
    /** BF16: columns covered by whole vectors. */
    final int vecCols;
    /** F32/F16: columns covered by whole 32-element steps of ggml's dot product. */
    final int steps;

    FloatWeight(Tensor t) {
        this.type = t.type();
        this.seg = t.data();
        this.rows = Math.toIntExact(t.rows());
        this.cols = Math.toIntExact(t.cols());
        this.rowBytes = t.rowBytes();
        this.vecCols = cols / Lanes.FLOATS * Lanes.FLOATS;
        this.steps = cols & ~31;
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
        if (type == TensorType.BF16) {
            rowsBF16(x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        // ggml takes its tiled GEMM for batches of 2 or more whose rows are a multiple of 8 long
        if (n >= 2 && cols % 8 == 0) {
            FloatGemm.rowsInOrder(this, cols, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        boolean f32 = type == TensorType.F32;
        boolean wide = Lanes.BITS == 512;
        float[] s = scratch.scales(64);
        for (int i = 0; i < n; i++) {
            int x0 = xOffset + i * cols, o = outOffset + i * outRows;
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                if (f32) {
                    if (wide) dot4F32x16(x, x0, r, s, out, o + r);
                    else dot4F32x8(x, x0, r, s, out, o + r);
                } else {
                    if (wide) dot4F16x16(x, x0, r, s, out, o + r);
                    else dot4F16x8(x, x0, r, s, out, o + r);
                }
            }
            for (; r < r1; r++) {
                out[o + r] = f32 ? (wide ? dotF32x16(x, x0, r, s) : dotF32x8(x, x0, r, s))
                        : (wide ? dotF16x16(x, x0, r, s) : dotF16x8(x, x0, r, s));
            }
        }
    }

    private void rowsBF16(float[] x, int xOffset, int n, int r0, int r1, float[] out, int outOffset, int outRows, Scratch scratch) {
        if (n >= FloatGemm.MIN_BATCH) {
            FloatGemm.rows(this, cols, x, xOffset, n, r0, r1, out, outOffset, outRows, scratch);
            return;
        }
        for (int i = 0; i < n; i++) {
            int x0 = xOffset + i * cols, o = outOffset + i * outRows;
            int r = r0;
            for (; r + 4 <= r1; r += 4) dot4BF16(x, x0, r, out, o + r);
            for (; r < r1; r++) out[o + r] = dotBF16(x, x0, r);
        }
    }

    /** F32: the elements after the last 32-element step added to {@code reduced} one by one, in float (not fused). */
    private float tailF32(float reduced, float[] x, int x0, int r) {
        long o = r * rowBytes;
        for (int c = steps; c < cols; c++) reduced += seg.get(LittleEndian.FLOAT, o + 4L * c) * x[x0 + c];
        return reduced;
    }

    /** F16: the elements after the last 32-element step, float products summed in double. */
    private float tailF16(float reduced, float[] x, int x0, int r) {
        double sum = reduced;
        long o = r * rowBytes;
        for (int c = steps; c < cols; c++) {
            float p = Float.float16ToFloat(seg.get(LittleEndian.SHORT, o + 2L * c)) * x[x0 + c];
            sum += p;
        }
        return (float) sum;
    }

    /** BF16: the columns after the last whole vector, in scalar code. */
    private float tail(float[] x, int x0, int r) {
        float s = 0;
        long o = r * rowBytes;
        for (int c = vecCols; c < cols; c++) s += Float.intBitsToFloat(seg.get(LittleEndian.SHORT, o + 2L * c) << 16) * x[x0 + c];
        return s;
    }

    // F32/F16 single-token kernels, written out (a call C2 does not inline boxes its vectors, and
    // kernels this large pass its inlining node limit: hence also the F16 conversion of
    // Half.fromBits inline, and the accumulators stored to s[] for the scalar 8-lane sums).
    // ggml's accumulators s0..s3 hold elements 0-7, 8-15, 16-23, 24-31 of every 32-element step:
    // with 8 lanes they are a, b, c, d, summed (s0+s2)+(s1+s3); with 16 lanes a = s0|s1 and
    // b = s2|s3, so a+b holds s0+s2 | s1+s3 for reduce16.

    /** {@code v[l] = c[o+l] + c[o+8+l]}, then {@link FloatGemm#reduce8} of {@code v}. */
    private static float reduce16(float[] c, int o) {
        float v0 = c[o] + c[o + 8], v1 = c[o + 1] + c[o + 9], v2 = c[o + 2] + c[o + 10], v3 = c[o + 3] + c[o + 11];
        float v4 = c[o + 4] + c[o + 12], v5 = c[o + 5] + c[o + 13], v6 = c[o + 6] + c[o + 14], v7 = c[o + 7] + c[o + 15];
        return ((v0 + v4) + (v1 + v5)) + ((v2 + v6) + (v3 + v7));
    }

    /** Rows {@code r..r+3} to {@code out[o..o+3]}, 16-lane vectors. */
    private void dot4F32x16(float[] x, int x0, int r, float[] s, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F16L), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F16L, x, x0 + c), xb = FloatVector.fromArray(F16L, x, x0 + c + 16);
            a0 = FloatVector.fromMemorySegment(F16L, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a0);
            b0 = FloatVector.fromMemorySegment(F16L, seg, o0 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xb, b0);
            a1 = FloatVector.fromMemorySegment(F16L, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a1);
            b1 = FloatVector.fromMemorySegment(F16L, seg, o1 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xb, b1);
            a2 = FloatVector.fromMemorySegment(F16L, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a2);
            b2 = FloatVector.fromMemorySegment(F16L, seg, o2 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xb, b2);
            a3 = FloatVector.fromMemorySegment(F16L, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a3);
            b3 = FloatVector.fromMemorySegment(F16L, seg, o3 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xb, b3);
        }
        a0.add(b0).intoArray(s, 0);
        out[o] = tailF32(reduce16(s, 0), x, x0, r);
        a1.add(b1).intoArray(s, 16);
        out[o + 1] = tailF32(reduce16(s, 16), x, x0, r + 1);
        a2.add(b2).intoArray(s, 32);
        out[o + 2] = tailF32(reduce16(s, 32), x, x0, r + 2);
        a3.add(b3).intoArray(s, 48);
        out[o + 3] = tailF32(reduce16(s, 48), x, x0, r + 3);
    }

    private float dotF32x16(float[] x, int x0, int r, float[] s) {
        FloatVector a0 = FloatVector.zero(F16L), b0 = a0;
        long o0 = r * rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F16L, x, x0 + c), xb = FloatVector.fromArray(F16L, x, x0 + c + 16);
            a0 = FloatVector.fromMemorySegment(F16L, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a0);
            b0 = FloatVector.fromMemorySegment(F16L, seg, o0 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xb, b0);
        }
        a0.add(b0).intoArray(s, 0);
        return tailF32(reduce16(s, 0), x, x0, r);
    }

    /** Rows {@code r..r+3} to {@code out[o..o+3]}, 8-lane vectors. */
    private void dot4F32x8(float[] x, int x0, int r, float[] s, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F8), b0 = a0, c0 = a0, d0 = a0, a1 = a0, b1 = a0, c1 = a0, d1 = a0, a2 = a0, b2 = a0, c2 = a0, d2 = a0, a3 = a0, b3 = a0, c3 = a0, d3 = a0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F8, x, x0 + c), xb = FloatVector.fromArray(F8, x, x0 + c + 8), xc = FloatVector.fromArray(F8, x, x0 + c + 16), xd = FloatVector.fromArray(F8, x, x0 + c + 24);
            a0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a0);
            b0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 8), ByteOrder.LITTLE_ENDIAN).fma(xb, b0);
            c0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xc, c0);
            d0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 24), ByteOrder.LITTLE_ENDIAN).fma(xd, d0);
            a1 = FloatVector.fromMemorySegment(F8, seg, o1 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a1);
            b1 = FloatVector.fromMemorySegment(F8, seg, o1 + 4L * (c + 8), ByteOrder.LITTLE_ENDIAN).fma(xb, b1);
            c1 = FloatVector.fromMemorySegment(F8, seg, o1 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xc, c1);
            d1 = FloatVector.fromMemorySegment(F8, seg, o1 + 4L * (c + 24), ByteOrder.LITTLE_ENDIAN).fma(xd, d1);
            a2 = FloatVector.fromMemorySegment(F8, seg, o2 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a2);
            b2 = FloatVector.fromMemorySegment(F8, seg, o2 + 4L * (c + 8), ByteOrder.LITTLE_ENDIAN).fma(xb, b2);
            c2 = FloatVector.fromMemorySegment(F8, seg, o2 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xc, c2);
            d2 = FloatVector.fromMemorySegment(F8, seg, o2 + 4L * (c + 24), ByteOrder.LITTLE_ENDIAN).fma(xd, d2);
            a3 = FloatVector.fromMemorySegment(F8, seg, o3 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a3);
            b3 = FloatVector.fromMemorySegment(F8, seg, o3 + 4L * (c + 8), ByteOrder.LITTLE_ENDIAN).fma(xb, b3);
            c3 = FloatVector.fromMemorySegment(F8, seg, o3 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xc, c3);
            d3 = FloatVector.fromMemorySegment(F8, seg, o3 + 4L * (c + 24), ByteOrder.LITTLE_ENDIAN).fma(xd, d3);
        }
        a0.add(c0).add(b0.add(d0)).intoArray(s, 0);
        out[o] = tailF32(FloatGemm.reduce8(s, 0), x, x0, r);
        a1.add(c1).add(b1.add(d1)).intoArray(s, 8);
        out[o + 1] = tailF32(FloatGemm.reduce8(s, 8), x, x0, r + 1);
        a2.add(c2).add(b2.add(d2)).intoArray(s, 16);
        out[o + 2] = tailF32(FloatGemm.reduce8(s, 16), x, x0, r + 2);
        a3.add(c3).add(b3.add(d3)).intoArray(s, 24);
        out[o + 3] = tailF32(FloatGemm.reduce8(s, 24), x, x0, r + 3);
    }

    private float dotF32x8(float[] x, int x0, int r, float[] s) {
        FloatVector a0 = FloatVector.zero(F8), b0 = a0, c0 = a0, d0 = a0;
        long o0 = r * rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F8, x, x0 + c), xb = FloatVector.fromArray(F8, x, x0 + c + 8), xc = FloatVector.fromArray(F8, x, x0 + c + 16), xd = FloatVector.fromArray(F8, x, x0 + c + 24);
            a0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * c, ByteOrder.LITTLE_ENDIAN).fma(xa, a0);
            b0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 8), ByteOrder.LITTLE_ENDIAN).fma(xb, b0);
            c0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 16), ByteOrder.LITTLE_ENDIAN).fma(xc, c0);
            d0 = FloatVector.fromMemorySegment(F8, seg, o0 + 4L * (c + 24), ByteOrder.LITTLE_ENDIAN).fma(xd, d0);
        }
        a0.add(c0).add(b0.add(d0)).intoArray(s, 0);
        return tailF32(FloatGemm.reduce8(s, 0), x, x0, r);
    }

    /** Rows {@code r..r+3} to {@code out[o..o+3]}, 16-lane vectors. */
    private void dot4F16x16(float[] x, int x0, int r, float[] s, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F16L), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F16L, x, x0 + c), xb = FloatVector.fromArray(F16L, x, x0 + c + 16);
            a0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a0);
            b0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o0 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o1 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a1);
            b1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o1 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b1);
            a2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o2 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a2);
            b2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o2 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b2);
            a3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o3 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a3);
            b3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o3 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b3);
        }
        a0.add(b0).intoArray(s, 0);
        out[o] = tailF16(reduce16(s, 0), x, x0, r);
        a1.add(b1).intoArray(s, 16);
        out[o + 1] = tailF16(reduce16(s, 16), x, x0, r + 1);
        a2.add(b2).intoArray(s, 32);
        out[o + 2] = tailF16(reduce16(s, 32), x, x0, r + 2);
        a3.add(b3).intoArray(s, 48);
        out[o + 3] = tailF16(reduce16(s, 48), x, x0, r + 3);
    }

    private float dotF16x16(float[] x, int x0, int r, float[] s) {
        FloatVector a0 = FloatVector.zero(F16L), b0 = a0;
        long o0 = r * rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F16L, x, x0 + c), xb = FloatVector.fromArray(F16L, x, x0 + c + 16);
            a0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a0);
            b0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, seg, o0 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b0);
        }
        a0.add(b0).intoArray(s, 0);
        return tailF16(reduce16(s, 0), x, x0, r);
    }

    /** Rows {@code r..r+3} to {@code out[o..o+3]}, 8-lane vectors. */
    private void dot4F16x8(float[] x, int x0, int r, float[] s, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F8), b0 = a0, c0 = a0, d0 = a0, a1 = a0, b1 = a0, c1 = a0, d1 = a0, a2 = a0, b2 = a0, c2 = a0, d2 = a0, a3 = a0, b3 = a0, c3 = a0, d3 = a0;
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F8, x, x0 + c), xb = FloatVector.fromArray(F8, x, x0 + c + 8), xc = FloatVector.fromArray(F8, x, x0 + c + 16), xd = FloatVector.fromArray(F8, x, x0 + c + 24);
            a0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a0);
            b0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 8), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b0);
            c0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xc, c0);
            d0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 24), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xd, d0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o1 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a1);
            b1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o1 + 2L * (c + 8), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b1);
            c1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o1 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xc, c1);
            d1 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o1 + 2L * (c + 24), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xd, d1);
            a2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o2 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a2);
            b2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o2 + 2L * (c + 8), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b2);
            c2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o2 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xc, c2);
            d2 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o2 + 2L * (c + 24), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xd, d2);
            a3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o3 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a3);
            b3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o3 + 2L * (c + 8), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b3);
            c3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o3 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xc, c3);
            d3 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o3 + 2L * (c + 24), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xd, d3);
        }
        a0.add(c0).add(b0.add(d0)).intoArray(s, 0);
        out[o] = tailF16(FloatGemm.reduce8(s, 0), x, x0, r);
        a1.add(c1).add(b1.add(d1)).intoArray(s, 8);
        out[o + 1] = tailF16(FloatGemm.reduce8(s, 8), x, x0, r + 1);
        a2.add(c2).add(b2.add(d2)).intoArray(s, 16);
        out[o + 2] = tailF16(FloatGemm.reduce8(s, 16), x, x0, r + 2);
        a3.add(c3).add(b3.add(d3)).intoArray(s, 24);
        out[o + 3] = tailF16(FloatGemm.reduce8(s, 24), x, x0, r + 3);
    }

    private float dotF16x8(float[] x, int x0, int r, float[] s) {
        FloatVector a0 = FloatVector.zero(F8), b0 = a0, c0 = a0, d0 = a0;
        long o0 = r * rowBytes;
        for (int c = 0; c < steps; c += 32) {
            FloatVector xa = FloatVector.fromArray(F8, x, x0 + c), xb = FloatVector.fromArray(F8, x, x0 + c + 8), xc = FloatVector.fromArray(F8, x, x0 + c + 16), xd = FloatVector.fromArray(F8, x, x0 + c + 24);
            a0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xa, a0);
            b0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 8), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xb, b0);
            c0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 16), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xc, c0);
            d0 = ((IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_128, seg, o0 + 2L * (c + 24), ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(xd, d0);
        }
        a0.add(c0).add(b0.add(d0)).intoArray(s, 0);
        return tailF16(FloatGemm.reduce8(s, 0), x, x0, r);
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

    /** Row {@code r} as floats, for {@link FloatGemm}. */
    @Override
    public void decodeRow(int r, float[] dst, int offset) {
        long o = r * rowBytes;
        if (type == TensorType.F32) {
            MemorySegment.copy(seg, LittleEndian.FLOAT, o, dst, offset, cols);
            return;
        }
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
