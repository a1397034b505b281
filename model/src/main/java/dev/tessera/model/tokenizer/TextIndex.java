package dev.tessera.model.tokenizer;

import java.util.Arrays;

/**
 * Token text to id, looked up by character range so merge lists and encoders never build
 * substrings. Open addressing over an int table; duplicate texts keep the last id (llama.cpp's map).
 */
final class TextIndex {
    private final String[] texts;
    private final int[] table;
    private final int mask;

    TextIndex(String[] texts) {
        this.texts = texts;
        int cap = Integer.highestOneBit(Math.max(16, texts.length * 2 - 1)) << 1;
        table = new int[cap];
        mask = cap - 1;
        Arrays.fill(table, -1);
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id];
            int i = mix(hash(t, 0, t.length(), 0, 0));
            while (true) {
                int at = table[i & mask];
                if (at < 0) {
                    table[i & mask] = id;
                    break;
                }
                if (texts[at].equals(t)) {
                    table[i & mask] = id;
                    break;
                }
                i++;
            }
        }
    }

    int find(CharSequence s) { return find(s, 0, s.length()); }

    /** Id of the text {@code s[from, to)}, or -1. */
    int find(CharSequence s, int from, int to) { return find(s, from, to, to, to); }

    /** Id of the text {@code s[a, b) + s[c, d)}, or -1. */
    int find(CharSequence s, int a, int b, int c, int d) {
        int len = (b - a) + (d - c);
        int i = mix(hash(s, a, b, c, d));
        while (true) {
            int id = table[i & mask];
            if (id < 0) return -1;
            String t = texts[id];
            if (t.length() == len && matches(t, s, a, b, c, d)) return id;
            i++;
        }
    }

    private static boolean matches(String t, CharSequence s, int a, int b, int c, int d) {
        int k = 0;
        for (int i = a; i < b; i++) if (t.charAt(k++) != s.charAt(i)) return false;
        for (int i = c; i < d; i++) if (t.charAt(k++) != s.charAt(i)) return false;
        return true;
    }

    private static int hash(CharSequence s, int a, int b, int c, int d) {
        int h = 0;
        for (int i = a; i < b; i++) h = 31 * h + s.charAt(i);
        for (int i = c; i < d; i++) h = 31 * h + s.charAt(i);
        return h;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
