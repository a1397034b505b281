package dev.tessera.model.tokenizer;

/**
 * SentencePiece text handling in front of a subword encoder: a space is prepended to a fragment at
 * the start of the input or right after a special token (llama.cpp's leading-space rule, the
 * "dummy prefix"), then every space becomes U+2581.
 */
record SpmTextEncoder(boolean addSpacePrefix, Subword subword) implements TextEncoder {
    static final char SPACE = '\u2581';

    /** The merge algorithm behind the SPM text rules: score-driven, or rank-driven from HF merges. */
    interface Subword {
        void encode(String escaped, IntList out);
    }

    @Override
    public void encode(String fragment, boolean afterSpecialOrStart, IntList out) {
        String text = addSpacePrefix && afterSpecialOrStart ? " " + fragment : fragment;
        subword.encode(text.replace(' ', SPACE), out);
    }
}
