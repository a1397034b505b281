package dev.tessera.model.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates /work/shared test data through the {@code tessera.shared} property; skips when absent. */
public final class SharedData {
    private SharedData() {}

    /** {@code <shared>/test-models/<relative>}, skipping the calling test if it does not exist. */
    public static Path testModel(String relative) {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: shared test data unavailable");
        Path p = Path.of(root, "test-models", relative);
        assumeTrue(Files.exists(p), "shared test data absent: " + p);
        return p;
    }
}
