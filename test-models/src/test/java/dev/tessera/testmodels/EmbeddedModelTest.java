package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedModelTest {
    @Test
    void extractsOnceAndRepairsACorruptCopy(@TempDir Path cache) throws Exception {
        System.setProperty("tessera.cache", cache.toString());
        Path file = EmbeddedModel.path();
        assertTrue(Files.size(file) > 3_000_000, "extracted model is too small");
        assertEquals(EmbeddedModel.SHA256, EmbeddedModel.sha256(file));
        long modified = Files.getLastModifiedTime(file).toMillis();
        assertEquals(file, EmbeddedModel.path());
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis(), "a valid copy must not be rewritten");

        Files.write(file, new byte[] {1, 2, 3});
        assertEquals(EmbeddedModel.SHA256, EmbeddedModel.sha256(EmbeddedModel.path()), "a corrupt copy must be replaced");
        assertTrue(file.startsWith(cache));
        System.clearProperty("tessera.cache");
    }
}
