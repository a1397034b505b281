package dev.tessera.model.safetensors;

import java.util.Arrays;

/**
 * One header entry: {@code shape} outermost first ({@code []} is a scalar, a 0 dimension an
 * empty tensor); {@code begin}/{@code end} are offsets into the data buffer, end exclusive.
 */
public record SafetensorsTensorInfo(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
    public SafetensorsTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long byteSize() { return end - begin; }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() { return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")"; }
}
