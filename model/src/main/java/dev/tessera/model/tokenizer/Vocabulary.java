package dev.tessera.model.tokenizer;

import java.util.List;

/** Token texts (in the model's own spelling: U+2581 for SPM spaces, byte-mapped chars for byte-level BPE), scores and types. */
public final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final TextIndex index;

    public Vocabulary(List<String> texts, float[] scores, TokenType[] types) {
        int n = texts.size();
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException("vocabulary: " + n + " tokens but " + scores.length + " scores and " + types.length + " types");
        }
        this.texts = texts.toArray(new String[0]);
        this.scores = scores.clone();
        this.types = types.clone();
        this.index = new TextIndex(this.texts);
    }

    public int size() { return texts.length; }

    public String text(int id) { return texts[id]; }

    public float score(int id) { return scores[id]; }

    public TokenType type(int id) { return types[id]; }

    /** The id of a token text, or -1. */
    public int id(String text) { return index.find(text); }

    /** The id of {@code s[from, to)}, or -1. */
    int id(CharSequence s, int from, int to) { return index.find(s, from, to); }

    /** The id of {@code s[a, b) + s[c, d)}, or -1. */
    int id(CharSequence s, int a, int b, int c, int d) { return index.find(s, a, b, c, d); }

    void setType(int id, TokenType t) { types[id] = t; }
}
