package dev.tessera.model.api;

/** How a generation drafts tokens for speculative decoding (speculative-decoding.md). */
public enum Speculation {
    /** Plain decoding, one forward pass per token. */
    NONE,
    /** Prompt lookup: drafts continue an earlier occurrence of the last few tokens. */
    NGRAM,
    /** Token Recycling: drafts from the candidates the model proposed before. */
    RECYCLE,
    /** Self-speculation: the model itself with some layers skipped drafts. */
    SELF,
    /** A smaller model sharing the vocabulary drafts ({@link GenerationOptions#draftModel()}). */
    DRAFT_MODEL
}
