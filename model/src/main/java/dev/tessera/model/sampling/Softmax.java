package dev.tessera.model.sampling;

/** Small numeric helpers shared by the samplers. */
final class Softmax {
    private Softmax() {}

    /** Index of the largest of the first {@code n} values (first one on ties). */
    static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /**
     * A long that sorts ascending when {@code value} sorts descending (ties: lower index first),
     * carrying {@code index} in its low 32 bits: sorting these avoids boxing.
     */
    static long descendingKey(float value, int index) {
        int bits = Float.floatToIntBits(value);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // monotonic in value as a signed int
        return ((long) ~ordered << 32) | (index & 0xffffffffL);
    }

    static int indexOf(long key) { return (int) key; }
}
