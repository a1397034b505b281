package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
    @TempDir Path tmp;

    private record Result(int rc, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Path shared(String relative) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: shared test data unavailable");
        Path p = Path.of(root, "test-models", relative);
        assumeTrue(Files.exists(p), "shared test data absent: " + p);
        return p;
    }

    private static void assertLine(String out, String key, String value) {
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(key + ":") + "\\s+" + Pattern.quote(value) + "$").matcher(out).find(),
                "expected \"" + key + ": " + value + "\" in:\n" + out);
    }

    /** stories260K in every format: dim 64, 5 layers, 8 heads, 4 kv heads, vocab 512 (PROVENANCE.md). */
    private static void assertStories260K(String out) {
        assertLine(out, "dim", "64");
        assertLine(out, "hidden dim", "172");
        assertLine(out, "layers", "5");
        assertLine(out, "heads", "8");
        assertLine(out, "kv heads", "4");
        assertLine(out, "vocab size", "512");
        assertLine(out, "architecture", out.contains("safetensors") ? "LlamaForCausalLM" : "llama");
    }

    @Test
    void ggufText() {
        Result r = run("info", shared("gguf/stories260K.gguf").toString());
        assertEquals(0, r.rc(), r.err());
        assertStories260K(r.out());
        assertLine(r.out(), "context length", "2048");
        assertLine(r.out(), "format", "GGUF v3 (alignment 32, data at offset 14176)");
        assertLine(r.out(), "file size", "1,185,376 bytes (1.13 MiB)");
        // 260,032 llama2.c weights plus the separately stored 512 × 64 output matrix
        assertLine(r.out(), "parameters", "292,800 (292.80 K)");
        assertLine(r.out(), "bits per weight", "32.00");
        assertLine(r.out(), "tokenizer", "llama (SentencePiece-style BPE), 512 tokens");
        assertLine(r.out(), "chat template", "no");
        assertLine(r.out(), "norm epsilon", "1.0E-5");
        assertEquals("", r.err());
    }

    @Test
    void llama2cText() {
        Result r = run("info", shared("llama2c/stories260K.bin").toString());
        assertEquals(0, r.rc(), r.err());
        assertStories260K(r.out());
        assertLine(r.out(), "context length", "512");
        assertLine(r.out(), "parameters", "260,032 (260.03 K)");
        assertLine(r.out(), "format", "llama2.c legacy checkpoint");
    }

    @Test
    void safetensorsFolderText() {
        Result r = run("info", shared("safetensors/stories260K-hf-f32").toString());
        assertEquals(0, r.rc(), r.err());
        assertStories260K(r.out());
        assertLine(r.out(), "parameters", "260,032 (260.03 K)");
        assertLine(r.out(), "tied output", "true");
        assertLine(r.out(), "rope layout", "rotate-half (neox)");
    }

    @Test
    void safetensorsFileInsideAModelFolderUsesItsConfig() {
        Result r = run("info", shared("safetensors/stories260K-hf-bf16/model.safetensors").toString());
        assertEquals(0, r.rc(), r.err());
        assertStories260K(r.out());
        assertLine(r.out(), "bits per weight", "16.00");
    }

    /** PROVENANCE.md: distill3M has 3,279,104 parameters; Q4_K_M mixes 24 Q4_K and 5 Q6_K matrices. */
    @Test
    void quantizedGgufHistogram() {
        Result r = run("info", shared("gguf/distill3M-Q4_K_M.gguf").toString());
        assertEquals(0, r.rc(), r.err());
        assertLine(r.out(), "parameters", "3,279,104 (3.28 M)");
        assertLine(r.out(), "dim", "256");
        assertLine(r.out(), "hidden dim", "768");
        assertTrue(Pattern.compile("(?m)^  Q4_K\\s+24 tensors").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^  Q6_K\\s+5 tensors").matcher(r.out()).find(), r.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonWithTensors() {
        Result r = run("info", "--json", "--tensors", shared("gguf/stories260K-Q4_0-fallback.gguf").toString());
        assertEquals(0, r.rc(), r.err());
        Map<String, Object> j = Json.parseObject(r.out());
        Map<String, Object> h = (Map<String, Object>) j.get("hyperparameters");
        assertEquals(64L, h.get("dim"));
        assertEquals(5L, h.get("layers"));
        assertEquals(8L, h.get("heads"));
        assertEquals(4L, h.get("kv_heads"));
        assertEquals(512L, h.get("vocab_size"));
        assertEquals(281_120L, j.get("file_size"));
        Map<String, Object> types = (Map<String, Object>) j.get("types");
        assertEquals(30L, ((Map<String, Object>) types.get("Q4_0")).get("tensors"));
        assertEquals(11L, ((Map<String, Object>) types.get("F32")).get("tensors"));
        List<Object> tensors = (List<Object>) j.get("tensors");
        assertEquals(48, tensors.size());
        Map<String, Object> first = (Map<String, Object>) tensors.get(0);
        assertTrue(first.keySet().containsAll(List.of("name", "type", "shape", "bytes", "offset")), first.toString());
    }

    @Test
    void tensorListing() {
        Result r = run("info", "--tensors", shared("llama2c/stories260K_v1.bin").toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("layers.4.w2"), r.out());
        long rows = r.out().lines().filter(l -> l.startsWith("layers.") || l.startsWith("token_embedding") || l.startsWith("rms_final")).count();
        assertEquals(47, rows);
    }

    private static void assertCleanError(Result r, String expected) {
        assertEquals(2, r.rc(), r.out() + r.err());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line, no stack trace: " + r.err());
        assertTrue(lines.get(0).startsWith("tessera: ") && lines.get(0).contains(expected), r.err());
    }

    @Test
    void missingFile() {
        assertCleanError(run("info", tmp.resolve("nope.gguf").toString()), "nope.gguf: no such file or directory");
    }

    @Test
    void directoryWithoutAModel() {
        assertCleanError(run("info", tmp.toString()), "no model found in this directory");
    }

    @Test
    void truncatedGguf() throws IOException {
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(shared("gguf/stories260K.gguf")), 20_000));
        assertCleanError(run("info", cut.toString()), "tensor token_embd.weight data");
    }

    @Test
    void configMissingAField() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 64}");
        assertCleanError(run("info", tmp.toString()), "config.json: num_attention_heads: missing a required field");
    }

    @Test
    void debugShowsTheStackTrace() {
        Result r = run("--debug", "info", tmp.resolve("nope.gguf").toString());
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("\tat dev.tessera."), r.err());
        Result after = run("info", "--debug", tmp.resolve("nope.gguf").toString());
        assertEquals(2, after.rc());
        assertTrue(after.err().contains("\tat dev.tessera."), after.err());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = run("info", "--bogus", "x");
        assertEquals(2, r.rc());
        assertFalse(r.err().isEmpty());
    }
}
