package dev.tessera.model.tokenizer;

/** Token kinds as GGUF {@code tokenizer.ggml.token_type} numbers them (SentencePiece piece types). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** The GGUF code; anything out of range is {@link #UNDEFINED}, as llama.cpp reads it. */
    public static TokenType fromCode(int code) {
        TokenType[] all = values();
        return code >= 0 && code < all.length ? all[code] : UNDEFINED;
    }

    /** Tokens split out of the text before BPE (control and unknown only when parsing specials). */
    boolean isSpecial() { return this == CONTROL || this == USER_DEFINED || this == UNKNOWN; }
}
