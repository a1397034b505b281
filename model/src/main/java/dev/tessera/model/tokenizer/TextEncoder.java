package dev.tessera.model.tokenizer;

/** Turns one plain-text fragment (no special tokens in it) into ids. Not thread-safe: holds scratch buffers. */
sealed interface TextEncoder permits SpmTextEncoder, BpeTextEncoder {
    void encode(String fragment, boolean afterSpecialOrStart, IntList out);
}
