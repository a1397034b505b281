package dev.tessera.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (system property {@code tessera.shared}); skips the test when it is absent. */
public final class SharedData {
    private SharedData() {}

    public static Path require(String relative) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: skipping test that needs shared data");
        Path p = Path.of(root).resolve(relative);
        assumeTrue(Files.exists(p), "shared data " + p + " is absent: skipping");
        return p;
    }
}
