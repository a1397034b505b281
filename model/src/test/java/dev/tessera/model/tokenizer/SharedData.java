package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates /work/shared test data through the {@code tessera.shared} property; skips when absent. */
final class SharedData {
    private SharedData() {}

    static Path require(String relative) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "tessera.shared is not set; skipping test that needs shared test data");
        Path p = Path.of(root).resolve(relative);
        assumeTrue(Files.exists(p), "shared test data missing: " + p);
        return p;
    }
}
