package dev.tessera.model.tokenizer;

import java.util.Arrays;

/**
 * Rank-driven BPE over a row of symbol ids: repeatedly merge the adjacent pair with the lowest
 * merge rank (leftmost on ties) until no pair merges. Symbols with id -1 (not in the vocabulary)
 * never merge; the caller decides what to emit for them.
 */
final class BpeMerger {
    private final MergeTable merges;
    private final PairHeap heap = new PairHeap();
    private int[] id = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private int n;

    BpeMerger(MergeTable merges) { this.merges = merges; }

    /** Starts a new row of symbols. */
    void reset() { n = 0; }

    void add(int symbolId) {
        if (n == id.length) {
            int m = n * 2;
            id = Arrays.copyOf(id, m);
            prev = Arrays.copyOf(prev, m);
            next = Arrays.copyOf(next, m);
        }
        id[n] = symbolId;
        prev[n] = n - 1;
        next[n] = -1;
        if (n > 0) next[n - 1] = n;
        n++;
    }

    /**
     * Merges the row and hands each final symbol to {@code sink} as (id, index of its first
     * original symbol), in order.
     */
    void merge(Sink sink) {
        heap.clear();
        for (int i = 1; i < n; i++) tryAdd(i - 1, i);
        while (!heap.isEmpty()) {
            int s = heap.pop();
            int l = heap.left(s), r = heap.right(s);
            // Stale unless both symbols are still adjacent with the ids the pair was queued with
            // (a symbol's id only ever grows longer, so it never returns to an old value).
            if (next[l] != r || id[l] != heap.aux(s) || id[r] != heap.aux2(s)) continue;
            id[l] = (int) merges.find(id[l], id[r]);
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            next[r] = -2;
            prev[r] = -2;
            tryAdd(prev[l], l);
            tryAdd(l, next[l]);
        }
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) sink.accept(id[i], i);
    }

    private void tryAdd(int l, int r) {
        if (l < 0 || r < 0 || id[l] < 0 || id[r] < 0) return;
        long m = merges.find(id[l], id[r]);
        if (m < 0) return;
        heap.add(m >>> 32, l, r, id[l], id[r]);
    }

    interface Sink {
        void accept(int id, int firstSymbol);
    }
}
