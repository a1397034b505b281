package dev.tessera.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.weights.WeightSource;
import dev.tessera.tensor.Backend;
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

    /** Loads a model, skipping the test when the backend does not implement one of its tensor types yet. */
    public static Model loadOrSkip(WeightSource src, Backend backend) {
        try {
            return Model.load(src, backend);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("is not supported by")) {
                org.junit.jupiter.api.Assumptions.abort("backend " + backend.name() + " lacks a tensor type: " + e.getMessage());
            }
            throw e;
        }
    }
}
