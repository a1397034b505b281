package dev.tessera.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits control, user-defined and unknown token texts out of raw text before the subword encoder
 * runs (llama.cpp's special-token partition): longest token texts first, each occurrence becomes a
 * token fragment, and the text around it stays text. Without {@code parseSpecial} only user-defined
 * tokens are split out, as Hugging Face does for added tokens.
 */
final class SpecialTokens {
    /** A text span {@code [start, end)} of the input, or a token when {@code token >= 0}. */
    record Fragment(int token, int start, int end) {
        boolean isText() { return token < 0; }
    }

    private final Vocabulary vocab;
    private final int[] bySize;
    private final boolean[] lstrip;
    private final boolean[] rstrip;

    SpecialTokens(Vocabulary vocab, boolean[] lstrip, boolean[] rstrip) {
        this.vocab = vocab;
        this.lstrip = lstrip;
        this.rstrip = rstrip;
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) if (vocab.type(id).isSpecial()) ids.add(id);
        ids.sort(Comparator.comparingInt((Integer id) -> -vocab.text(id).length()).thenComparingInt(id -> id));
        bySize = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(new Fragment(-1, 0, text.length()));
        for (int id : bySize) {
            TokenType t = vocab.type(id);
            if (!parseSpecial && t != TokenType.USER_DEFINED) continue;
            String s = vocab.text(id);
            if (s.isEmpty()) continue;
            List<Fragment> next = new ArrayList<>(frags.size() + 2);
            for (Fragment f : frags) {
                if (!f.isText()) {
                    next.add(f);
                    continue;
                }
                int from = f.start, end = f.end;
                while (from < end) {
                    int m = text.indexOf(s, from);
                    if (m < 0 || m + s.length() > end) break;
                    int leftEnd = m;
                    if (lstrip[id]) while (leftEnd > from && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > from) next.add(new Fragment(-1, from, leftEnd));
                    next.add(new Fragment(id, m, m + s.length()));
                    from = m + s.length();
                    if (rstrip[id]) while (from < end && isSpace(text.charAt(from))) from++;
                }
                if (from < end) next.add(new Fragment(-1, from, end));
            }
            frags = next;
        }
        return frags;
    }

    /** C {@code isspace} in the "C" locale, which llama.cpp uses for strip attributes. */
    private static boolean isSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}
