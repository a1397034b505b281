package dev.tessera.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Hugging Face BPE over code points with byte fallback (Llama-2-style tokenizer.json): each code
 * point starts as its own symbol, merges apply by rank, and a code point that is not a token
 * becomes its {@code <0xXX>} byte tokens (or unk).
 */
final class CharBpe implements SpmTextEncoder.Subword {
    private final Vocabulary vocab;
    private final BpeMerger merger;
    private final int[] byteTokens;
    private final int unk;

    CharBpe(Vocabulary vocab, MergeTable merges, int[] byteTokens, int unk) {
        this.vocab = vocab;
        this.merger = new BpeMerger(merges);
        this.byteTokens = byteTokens;
        this.unk = unk;
    }

    @Override
    public void encode(String escaped, IntList out) {
        int[] cps = escaped.codePoints().toArray();
        merger.reset();
        for (int cp : cps) merger.add(vocab.id(Character.toString(cp)));
        merger.merge((id, first) -> {
            if (id >= 0) {
                out.add(id);
                return;
            }
            for (byte b : Character.toString(cps[first]).getBytes(StandardCharsets.UTF_8)) {
                int bt = byteTokens[b & 0xFF];
                out.add(bt >= 0 ? bt : unk);
            }
        });
    }
}
