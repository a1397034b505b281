package dev.tessera.model.spec;

/**
 * Prompt lookup / CopySpec-style drafting: find the longest suffix of the context (up to
 * {@code maxN} tokens, at least {@code minN}) that occurred earlier, and propose the tokens that
 * followed its most recent earlier occurrence. No model is involved; drafts are point masses.
 *
 * <p>The index maps the hash of every n-gram (n = minN..maxN) ending at position i to i, updated
 * incrementally as the context grows, so a lookup costs O(maxN) and never rescans the context.
 */
public final class NgramDrafter implements Drafter {
    private final int minN;
    private final int maxN;
    private final NgramIndex index;
    private int indexed; // context positions [0, indexed) are in the index

    public NgramDrafter(int minN, int maxN) {
        if (minN < 1 || maxN < minN) throw new IllegalArgumentException("n-gram sizes must satisfy 1 <= min <= max, got " + minN + ".." + maxN);
        this.minN = minN;
        this.maxN = maxN;
        this.index = new NgramIndex();
    }

    @Override
    public String name() { return "ngram"; }

    @Override
    public DraftTree propose(int[] context, int length, int maxDrafts) {
        if (length < indexed) reset(); // the context was rewound (new prompt): start over
        // Index n-grams ending before the last token, so a match is always an earlier occurrence.
        for (; indexed < length - 1; indexed++) {
            for (int n = minN; n <= maxN && n <= indexed + 1; n++) index.put(hash(context, indexed + 1 - n, n), n, indexed);
        }
        if (maxDrafts <= 0) return DraftTree.root(context[length - 1]);
        for (int n = Math.min(maxN, length); n >= minN; n--) {
            int end = index.get(hash(context, length - n, n), n);
            if (end < 0 || !sameTokens(context, end + 1 - n, length - n, n)) continue;
            int count = Math.min(maxDrafts, length - 1 - end);
            if (count <= 0) continue;
            int[] drafts = new int[count];
            System.arraycopy(context, end + 1, drafts, 0, count);
            return DraftTree.chain(context[length - 1], drafts);
        }
        return DraftTree.root(context[length - 1]);
    }

    private void reset() {
        index.clear();
        indexed = 0;
    }

    private static boolean sameTokens(int[] a, int i, int j, int n) {
        for (int k = 0; k < n; k++) if (a[i + k] != a[j + k]) return false;
        return true;
    }

    private static long hash(int[] a, int from, int n) {
        long h = 0x9E3779B97F4A7C15L;
        for (int k = 0; k < n; k++) {
            h ^= a[from + k];
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    /** Open-addressing map from (hash, n) to the last position the n-gram ended at. */
    private static final class NgramIndex {
        private long[] keys = new long[1024];
        private int[] values = new int[1024];
        private boolean[] used = new boolean[1024];
        private int size;

        void clear() {
            java.util.Arrays.fill(used, false);
            size = 0;
        }

        void put(long hash, int n, int end) {
            if ((size + 1) * 2 > keys.length) grow();
            long key = hash * 31 + n;
            int i = slot(key);
            if (!used[i]) {
                used[i] = true;
                keys[i] = key;
                size++;
            }
            values[i] = end;
        }

        int get(long hash, int n) {
            long key = hash * 31 + n;
            int i = slot(key);
            return used[i] ? values[i] : -1;
        }

        private int slot(long key) {
            int mask = keys.length - 1;
            int i = (int) (key ^ (key >>> 32)) & mask;
            while (used[i] && keys[i] != key) i = (i + 1) & mask;
            return i;
        }

        private void grow() {
            long[] k = keys;
            int[] v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new int[k.length * 2];
            used = new boolean[k.length * 2];
            for (int i = 0; i < k.length; i++) {
                if (!u[i]) continue;
                int s = slot(k[i]);
                used[s] = true;
                keys[s] = k[i];
                values[s] = v[i];
            }
        }
    }
}
