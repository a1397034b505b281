package dev.tessera.model.tokenizer;

import java.util.Arrays;

/**
 * Candidate merges of two adjacent symbols, popped lowest priority first and, on ties, leftmost
 * first (both encoders break ties that way). Entries are slots in parallel arrays; a popped slot
 * stays readable until {@link #clear}.
 */
final class PairHeap {
    private long[] prio = new long[64];
    private int[] left = new int[64];
    private int[] right = new int[64];
    private int[] aux = new int[64];
    private int[] aux2 = new int[64];
    private int slots;
    private int[] heap = new int[64];
    private int size;

    void clear() { slots = 0; size = 0; }

    boolean isEmpty() { return size == 0; }

    void add(long priority, int l, int r, int extra) { add(priority, l, r, extra, 0); }

    void add(long priority, int l, int r, int extra, int extra2) {
        if (slots == prio.length) {
            int n = slots * 2;
            prio = Arrays.copyOf(prio, n);
            left = Arrays.copyOf(left, n);
            right = Arrays.copyOf(right, n);
            aux = Arrays.copyOf(aux, n);
            aux2 = Arrays.copyOf(aux2, n);
        }
        int s = slots++;
        prio[s] = priority;
        left[s] = l;
        right[s] = r;
        aux[s] = extra;
        aux2[s] = extra2;
        if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(s, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = s;
    }

    /** Removes the best entry and returns its slot. */
    int pop() {
        int top = heap[0];
        int last = heap[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && less(heap[c + 1], heap[c])) c++;
            if (!less(heap[c], last)) break;
            heap[i] = heap[c];
            i = c;
        }
        if (size > 0) heap[i] = last;
        return top;
    }

    int left(int slot) { return left[slot]; }

    int right(int slot) { return right[slot]; }

    int aux(int slot) { return aux[slot]; }

    int aux2(int slot) { return aux2[slot]; }

    private boolean less(int a, int b) {
        return prio[a] < prio[b] || (prio[a] == prio[b] && left[a] < left[b]);
    }
}
