package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Byte-level BPE vocabularies from llama.cpp's GGUF test files against llama.cpp's own outputs. */
class BpeTokenizerTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "llama-bpe", "deepseek-llm", "deepseek-coder", "falcon", "starcoder", "refact", "mpt"})
    void ggufVocabMatchesLlamaCpp(String family) {
        Tokenizer tok = SpmTokenizerTest.gguf("test-models/vocab/ggml-vocab-" + family + ".gguf");
        assertEquals(Tokenizer.Style.BYTE_LEVEL, tok.style());
        SpmTokenizerTest.assertVectors(tok, "ggml-vocab-" + family);
    }
}
