package dev.tessera.tensor;

import java.util.Arrays;

/**
 * A tensor shape, outermost dimension first (as in PyTorch and safetensors): a weight matrix of
 * {@code rows × cols} is {@code Shape.of(rows, cols)} and its rows are contiguous. GGUF lists the
 * same dimensions innermost first ({@code ne[0] = cols}); {@link #fromGguf} and {@link #toGguf}
 * convert.
 */
public record Shape(long[] dims) {
    public Shape {
        dims = dims.clone();
        long n = 1;
        for (long d : dims) {
            if (d <= 0) throw new IllegalArgumentException("dimension " + d + " in " + Arrays.toString(dims)
                    + ": expected > 0");
            n = Math.multiplyExact(n, d);
        }
    }

    public static Shape of(long... dims) { return new Shape(dims); }

    /** From GGUF's innermost-first {@code ne[]}. */
    public static Shape fromGguf(long[] ne) {
        long[] d = new long[ne.length];
        for (int i = 0; i < ne.length; i++) d[i] = ne[ne.length - 1 - i];
        return new Shape(d);
    }

    /** GGUF's innermost-first {@code ne[]}. */
    public long[] toGguf() {
        long[] ne = new long[dims.length];
        for (int i = 0; i < dims.length; i++) ne[i] = dims[dims.length - 1 - i];
        return ne;
    }

    public int rank() { return dims.length; }

    public long dim(int i) { return dims[i]; }

    @Override
    public long[] dims() { return dims.clone(); }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** Length of the innermost (contiguous) dimension. */
    public long cols() { return dims.length == 0 ? 1 : dims[dims.length - 1]; }

    /** Product of all but the innermost dimension. */
    public long rows() { return dims.length == 0 ? 1 : size() / cols(); }

    @Override
    public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    @Override
    public String toString() { return Arrays.toString(dims); }
}
