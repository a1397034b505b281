package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TokenizeCommandTest {
    @Test
    void idsMatchTheLlama2cEncoding() {
        // stories260K-reference.json tok512_encode_examples: "Once upon a time" -> [403, 407, 261, 378], BOS = 1
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "tokenize", "-m", model, "-p", "Once upon a time", "--ids");
        assertEquals(0, r.code(), r.err());
        assertEquals("[1, 403, 407, 261, 378]", r.out().strip());
        CliHarness noBos = CliHarness.run("", "tokenize", "-m", model, "--ids", "--no-bos", "Once upon a time");
        assertEquals("[403, 407, 261, 378]", noBos.out().strip());
    }

    @Test
    void worksOnAVocabularyOnlyGgufAndPrintsPieces() {
        // llama.cpp ggml-vocab-llama-spm.gguf.out: " Hello world" -> 15043 3186
        String vocab = CliHarness.shared("test-models/vocab/ggml-vocab-llama-spm.gguf").toString();
        CliHarness r = CliHarness.run("Hello world", "tokenize", "-m", vocab, "--stdin");
        assertEquals(0, r.code(), r.err());
        assertEquals(java.util.List.of("     1 -> '<s>'", " 15043 -> ' Hello'", "  3186 -> ' world'"), r.out().lines().toList());
    }

    @Test
    void specialTokensParseUnlessTurnedOff() {
        String vocab = CliHarness.shared("test-models/vocab/ggml-vocab-llama-spm.gguf").toString();
        CliHarness parsed = CliHarness.run("", "tokenize", "-m", vocab, "--ids", "--no-bos", "-p", "</s>");
        assertEquals("[2]", parsed.out().strip());
        CliHarness plain = CliHarness.run("", "tokenize", "-m", vocab, "--ids", "--no-bos", "--no-parse-special", "-p", "</s>");
        assertNotEquals("[2]", plain.out().strip());
    }
}
