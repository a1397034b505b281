package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunCommandTest {
    /** llama.cpp's greedy continuation of "Once upon a time" on stories260K.gguf (shared/ref). */
    private static final String LLAMA_CPP = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

    @Test
    void greedyRunStreamsLlamaCppText() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "Once upon a time", "-n", "40", "--temp", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(LLAMA_CPP), r.out());
        assertTrue(r.err().contains("generation:") && r.err().contains("tok/s"), r.err());
    }

    @Test
    void jsonStatsIsOneParsableLine() {
        String model = CliHarness.shared("test-models/llama2c/stories260K.bin").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "Lily", "-n", "8", "--seed", "3", "--json-stats");
        assertEquals(0, r.code(), r.err());
        String line = r.err().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        Map<String, Object> stats = Json.parseObject(line);
        assertEquals(8L, stats.get("gen_tokens"));
        assertEquals(2L, stats.get("prompt_tokens"), "BOS + 'Lily'");
        for (String k : new String[] {"load_ms", "prompt_tps", "gen_tps"}) assertTrue(((Number) stats.get(k)).doubleValue() > 0, k);
    }

    @Test
    void seededRunsRepeatAndPromptComesFromStdin() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness a = CliHarness.run("Once upon a time", "run", "-m", model, "-n", "20", "--seed", "11", "--temp", "1.0");
        CliHarness b = CliHarness.run("Once upon a time", "run", "-m", model, "-n", "20", "--seed", "11", "--temp", "1.0");
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.out().startsWith("Once upon a time"));
    }

    @Test
    void stopStringEndsTheOutputBeforeIt() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "Once upon a time", "-n", "64", "--temp", "0", "--stop", "Lily");
        assertEquals(0, r.code(), r.err());
        assertEquals("Once upon a time, there was a little girl named \n", r.out());
    }

    @Test
    void fullContextStopsWithAMessage() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "Once upon a time", "-n", "100", "--temp", "0", "-c", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("context is full (16 tokens)"), r.err());
        CliHarness shifted = CliHarness.run("", "run", "-m", model, "-p", "Once upon a time", "-n", "40", "--temp", "0",
                "-c", "16", "--context-shift", "--json-stats");
        assertEquals(0, shifted.code(), shifted.err());
        assertTrue(shifted.err().contains("\"gen_tokens\":40"), shifted.err());
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        CliHarness r = CliHarness.run("", "run", "-m", "/no/such/model.gguf", "-p", "x");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("/no/such/model.gguf"), r.err());
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness kv = CliHarness.run("", "run", "-m", model, "-p", "x", "--kv-type", "q4");
        assertEquals(2, kv.code());
        assertTrue(kv.err().contains("--kv-type q4"), kv.err());
    }

    @Test
    void contextBeyondTheHeapIsRefusedInOneLine() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "x", "-c", "2000000000");
        assertEquals(2, r.code(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(r.err().contains("--ctx 2000000000: a KV cache of 2000000000 tokens needs") && r.err().contains("raise -Xmx"), r.err());
    }

    @Test
    void badSpeculationFlagIsOneLineBeforeAnyOutput() {
        String model = CliHarness.shared("test-models/gguf/stories260K.gguf").toString();
        CliHarness r = CliHarness.run("", "run", "-m", model, "-p", "Once upon a time", "-n", "4", "--spec", "ngram", "--draft-window", "-3");
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out(), "nothing printed before the error");
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--draft-window -3"), r.err());
    }
}
