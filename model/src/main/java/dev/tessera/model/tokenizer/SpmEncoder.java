package dev.tessera.model.tokenizer;

import java.util.Arrays;

/**
 * SentencePiece-style BPE driven by token scores (llama.cpp's SPM tokenizer, llama2.c's encoder):
 * start from single code points, repeatedly merge the adjacent pair whose concatenation is the
 * highest-scoring vocabulary token (leftmost on ties), then emit each symbol as its token or, if it
 * is not one, as byte-fallback tokens. The input must already have spaces escaped to U+2581.
 */
final class SpmEncoder implements SpmTextEncoder.Subword {
    private final Vocabulary vocab;
    private final int[] byteTokens;
    private final int unk;
    private final PairHeap heap = new PairHeap();
    private int[] start = new int[64];
    private int[] len = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];

    SpmEncoder(Vocabulary vocab, int[] byteTokens, int unk) {
        this.vocab = vocab;
        this.byteTokens = byteTokens;
        this.unk = unk;
    }

    @Override
    public void encode(String text, IntList out) {
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cl = Character.charCount(text.codePointAt(i));
            if (n == start.length) grow();
            start[n] = i;
            len[n] = cl;
            prev[n] = n - 1;
            next[n] = i + cl == text.length() ? -1 : n + 1;
            n++;
            i += cl;
        }
        heap.clear();
        for (int i = 1; i < n; i++) tryAdd(text, i - 1, i);
        while (!heap.isEmpty()) {
            int s = heap.pop();
            int l = heap.left(s), r = heap.right(s);
            // Stale entry: one side was merged away or grew since the pair was queued.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != heap.aux(s)) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            tryAdd(text, prev[l], l);
            tryAdd(text, l, next[l]);
        }
        for (int i = n == 0 ? -1 : 0; i != -1; i = next[i]) {
            int id = vocab.id(text, start[i], start[i] + len[i]);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            for (byte b : text.substring(start[i], start[i] + len[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                int bt = byteTokens[b & 0xFF];
                out.add(bt >= 0 ? bt : unk);
            }
        }
    }

    private void tryAdd(String text, int l, int r) {
        if (l < 0 || r < 0) return;
        int id = vocab.id(text, start[l], start[r] + len[r]);
        if (id < 0) return;
        // Higher score first; -0.0 and 0.0 must tie, as they do in C.
        float score = vocab.score(id) + 0.0f;
        int bits = Float.floatToIntBits(score);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        heap.add(-(long) ordered, l, r, len[l] + len[r]);
    }

    private void grow() {
        int m = start.length * 2;
        start = Arrays.copyOf(start, m);
        len = Arrays.copyOf(len, m);
        prev = Arrays.copyOf(prev, m);
        next = Arrays.copyOf(next, m);
    }
}
