package dev.tessera.model.tokenizer;

import java.util.List;

/** Builds merge tables from the two ways vocabularies store them. */
final class Merges {
    private Merges() {}

    /** {@code "left right"} lines in rank order (GGUF, merges.txt, tokenizer.json). */
    static MergeTable fromStrings(Vocabulary v, List<String> merges, String source) {
        MergeTable t = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String m = merges.get(rank);
            int sp = m.indexOf(' ', 1);
            if (sp < 0) throw new IllegalArgumentException(source + ": merge " + rank + " '" + m + "' has no space");
            int l = v.id(m, 0, sp), r = v.id(m, sp + 1, m.length()), merged = v.id(m, 0, sp, sp + 1, m.length());
            // Merges whose parts or result are not tokens can never fire.
            if (l >= 0 && r >= 0 && merged >= 0) t.add(l, r, rank, merged);
        }
        return t;
    }

    /**
     * tiktoken-style ranks (no merge list): every token that splits into two tokens is a merge of
     * those parts, ranked by the token's own rank, which is how BPE merges relate to tiktoken ranks.
     */
    static MergeTable fromRanks(Vocabulary v, int regularTokens) {
        MergeTable t = new MergeTable(regularTokens * 4);
        for (int id = 0; id < regularTokens; id++) {
            String s = v.text(id);
            for (int k = 1; k < s.length(); k++) {
                int l = v.id(s, 0, k);
                if (l < 0 || l >= regularTokens) continue;
                int r = v.id(s, k, s.length());
                if (r >= 0 && r < regularTokens) t.add(l, r, id, id);
            }
        }
        return t;
    }
}
