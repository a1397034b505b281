package dev.tessera.model.tokenizer;

import java.util.Arrays;

/** BPE merges as an open-addressing map from (left id, right id) to (rank, merged id), without boxing. */
final class MergeTable {
    private static final long EMPTY = -1L;
    private long[] keys;
    private long[] values;
    private int size;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
    }

    int size() { return size; }

    /** Adds a merge unless the pair already has one (the first, lowest-rank entry wins). */
    void add(int left, int right, int rank, int merged) {
        if ((size + 1) * 2 > keys.length) rehash();
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) return;
            i = (i + 1) & (keys.length - 1);
        }
        keys[i] = k;
        values[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** {@code rank << 32 | merged id}, or -1 when the pair does not merge. */
    long find(int left, int right) {
        long k = key(left, right);
        int i = slot(k);
        while (true) {
            long stored = keys[i];
            if (stored == k) return values[i];
            if (stored == EMPTY) return -1;
            i = (i + 1) & (keys.length - 1);
        }
    }

    private static long key(int l, int r) { return ((long) l << 32) | (r & 0xFFFFFFFFL); }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (keys.length - 1);
    }

    private void rehash() {
        long[] ok = keys, ov = values;
        keys = new long[ok.length * 2];
        values = new long[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != EMPTY) add((int) (ok[i] >>> 32), (int) ok[i], (int) (ov[i] >>> 32), (int) ov[i]);
        }
    }
}
