package dev.tessera.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes every kernel uses, chosen once at start-up from the machine's preferred shape
 * (at least 256 bits, so one group of 16 shorts holds half a 32-element block). System property
 * {@code tessera.vectorBits} (256 or 512) overrides it, to measure one machine as another.
 *
 * <p>The integer kernels work on <em>groups</em> of {@link #BLOCKS_PER_GROUP} 32-element blocks:
 * one short vector holds the first 16 elements of each block of the group, a second the last 16.
 * After the pairwise widening to ints, each block owns 8 consecutive int lanes.
 */
final class Lanes {
    static final int BITS = bits();
    static final VectorShape SHAPE = VectorShape.forBitSize(BITS);
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, SHAPE);
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, SHAPE);
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, SHAPE);
    static final VectorSpecies<Long> L = VectorSpecies.of(long.class, SHAPE);
    /** Bytes that widen to one short vector. */
    static final VectorSpecies<Byte> B_HALF = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    /** As many bytes as a vector has floats, for widening bytes straight to floats. */
    static final VectorSpecies<Byte> B_QUARTER = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 4));
    /** Bytes that fill one vector, for kernels that widen in two parts. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, SHAPE);
    /** Float vector of half the width, for F16/BF16 rows widened from a short half-vector. */
    static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS / 2));
    /** Shorts per vector. */
    static final int SHORTS = S.length();
    /** Floats per vector. */
    static final int FLOATS = F.length();
    static final int BLOCKS_PER_GROUP = SHORTS / 16;
    /** Elements of one group (two short vectors). */
    static final int GROUP = 32 * BLOCKS_PER_GROUP;
    /** Spreads float lane {@code j} of a vector of per-block values over the 8 lanes of block {@code j}. */
    static final VectorShuffle<Float> BLOCK_SPREAD = VectorShuffle.fromOp(F, k -> k / 8);

    /** Rotations by half, quarter, ... of the lanes, for {@link #sum}. */
    private static final VectorShuffle<Float>[] FOLDS = folds(F);

    private Lanes() {}

    /**
     * The lanes of {@code v} added in a fixed tree order. {@code reduceLanes(ADD)} leaves the order
     * unspecified, and it does differ between the interpreter and C2: the same input then gives
     * different sums before and after a method is compiled.
     */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) v = v.add(v.rearrange(f));
        return v.lane(0);
    }

    @SuppressWarnings("unchecked")
    static VectorShuffle<Float>[] folds(VectorSpecies<Float> species) {
        int n = species.length(), steps = Integer.numberOfTrailingZeros(n);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int k = 0, w = n / 2; k < steps; k++, w /= 2) {
            int shift = w;
            f[k] = VectorShuffle.fromOp(species, l -> (l + shift) % n);
        }
        return f;
    }

    private static int bits() {
        String forced = System.getProperty("tessera.vectorBits");
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int b = forced != null ? Integer.parseInt(forced.trim()) : Math.max(256, preferred);
        if (b != 256 && b != 512) throw new IllegalArgumentException("tessera.vectorBits " + b + ": expected 256 or 512");
        return b;
    }
}
