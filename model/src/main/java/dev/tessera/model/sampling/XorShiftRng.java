package dev.tessera.model.sampling;

/**
 * llama2.c's random numbers: a 64-bit xorshift* generator; {@link #nextFloat} takes the top 24 of
 * the 32 output bits, so a seed gives exactly the stream {@code run.c} draws.
 */
public final class XorShiftRng {
    private long state;

    public XorShiftRng(long seed) { this.state = seed; }

    public int nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** Uniform in [0, 1). */
    public float nextFloat() { return (nextU32() >>> 8) / 16777216.0f; }
}
