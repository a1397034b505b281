package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** {@code bench}: bad options end in one line and exit code 2, before any model is read or measured. */
class BenchCommandTest {
    @Test
    void badKvTypeIsOneLineAndExitCode2() {
        CliHarness r = CliHarness.run("", "bench", "--kv-type", "q8", "-p", "8", "-n", "0", "-r", "1");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--kv-type q8: expected f16 or f32"), r.err());
    }
}
