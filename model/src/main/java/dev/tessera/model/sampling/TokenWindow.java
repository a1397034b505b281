package dev.tessera.model.sampling;

/** The last {@code capacity} tokens, oldest first: a ring buffer without boxing. */
public final class TokenWindow {
    private final int[] ring;
    private int start, size;

    public TokenWindow(int capacity) { this.ring = new int[capacity]; }

    public void add(int token) {
        if (size < ring.length) {
            ring[(start + size++) % ring.length] = token;
        } else {
            ring[start] = token;
            start = (start + 1) % ring.length;
        }
    }

    public int size() { return size; }

    /** The {@code i}-th oldest token. */
    public int get(int i) { return ring[(start + i) % ring.length]; }

    public void clear() { start = size = 0; }
}
