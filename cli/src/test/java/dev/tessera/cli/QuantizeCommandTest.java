package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera quantize}: a good run, and bad input as one line, exit code 2 and no file left behind. */
class QuantizeCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Path shared(String relative) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: skipping test that needs shared data");
        Path p = Path.of(root, relative);
        assumeTrue(Files.exists(p), p + " is absent: skipping");
        return p;
    }

    private void assertOneLineError(Run r, String fragment) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("tessera: "), r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void quantizesAndReportsEachTensor() throws Exception {
        Path in = shared("test-models/gguf/stories260K.gguf");
        Path out = tmp.resolve("s.gguf");
        Run r = run("quantize", in.toString(), out.toString(), "--type", "q4_k_s", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        // not a console: a plain line per tensor, then a summary
        assertTrue(r.err().contains("[48/48] blk.4.ffn_up.weight"), r.err());
        assertTrue(r.err().contains("(Q4_K_S)"), r.err());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(14L, f.metadata().integer("general.file_type").orElseThrow());
            assertEquals(2L, f.metadata().integer("general.quantization_version").orElseThrow());
            assertEquals("Q5_0", f.tensorInfo("blk.0.attn_q.weight").type().name());
        }
        assertEquals(1, tmp.toFile().list().length);
    }

    @Test
    void unknownType() {
        Path in = shared("test-models/gguf/stories260K.gguf");
        Run r = run("quantize", in.toString(), tmp.resolve("o.gguf").toString(), "--type", "Q7_K");
        assertOneLineError(r, "--type Q7_K: expected F32, F16");
        assertEquals(0, tmp.toFile().list().length);
    }

    @Test
    void missingInput() {
        Run r = run("quantize", tmp.resolve("absent.gguf").toString(), tmp.resolve("o.gguf").toString(), "--type", "Q8_0");
        assertOneLineError(r, "absent.gguf: no such file or directory");
        assertEquals(0, tmp.toFile().list().length);
    }

    @Test
    void outputInMissingDirectory() {
        Path in = shared("test-models/gguf/stories260K.gguf");
        Run r = run("quantize", in.toString(), tmp.resolve("no/such/dir/o.gguf").toString(), "--type", "Q8_0");
        assertOneLineError(r, "does not exist");
        assertFalse(Files.exists(tmp.resolve("no")));
    }

    @Test
    void shapesThatFitNothing() {
        Path in = shared("test-models/gguf/stories260K.gguf");
        Run r = run("quantize", in.toString(), tmp.resolve("o.gguf").toString(), "--type", "Q4_0");
        assertOneLineError(r, "rows of 172 elements are not a multiple of the Q4_0 block of 32");
        assertEquals(0, tmp.toFile().list().length, "no output or temporary file");
    }

    @Test
    void badGroupSizeAndVectorTypes() {
        Path in = shared("test-models/gguf/stories260K.gguf");
        assertOneLineError(run("quantize", in.toString(), tmp.resolve("o.gguf").toString(), "--type", "int4", "--group-size", "48"),
                "--group-size 48: expected 32, 64 or 128");
        assertOneLineError(run("quantize", in.toString(), tmp.resolve("o.gguf").toString(), "--type", "Q4_K_M", "--asym"),
                "--asym");
        assertEquals(0, tmp.toFile().list().length);
    }
}
