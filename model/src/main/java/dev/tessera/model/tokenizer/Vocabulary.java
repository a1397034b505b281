package dev.tessera.model.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Token texts (in the model's own spelling: U+2581 for SPM spaces, byte-mapped chars for byte-level BPE), scores and types. */
public final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> ids;

    public Vocabulary(List<String> texts, float[] scores, TokenType[] types) {
        int n = texts.size();
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException("vocabulary: " + n + " tokens but " + scores.length + " scores and " + types.length + " types");
        }
        this.texts = texts.toArray(new String[0]);
        this.scores = scores.clone();
        this.types = types.clone();
        this.ids = HashMap.newHashMap(n);
        // Duplicate texts keep the last id, as llama.cpp's token_to_id map does.
        for (int i = 0; i < n; i++) ids.put(this.texts[i], i);
    }

    public int size() { return texts.length; }

    public String text(int id) { return texts[id]; }

    public float score(int id) { return scores[id]; }

    public TokenType type(int id) { return types[id]; }

    /** The id of a token text, or -1. */
    public int id(String text) {
        Integer v = ids.get(text);
        return v == null ? -1 : v;
    }

    void setType(int id, TokenType t) { types[id] = t; }
}
