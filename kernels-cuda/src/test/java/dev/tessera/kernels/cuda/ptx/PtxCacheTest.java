package dev.tessera.kernels.cuda.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtxCacheTest {
    @Test
    void standardDirectoryFollowsXdg() {
        assertEquals(Path.of("/x/cache/tessera/cuda"), PtxCache.standardDir(Map.of("XDG_CACHE_HOME", "/x/cache"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/tessera/cuda"), PtxCache.standardDir(Map.of(), "/home/u"));
        // The XDG spec says relative values are invalid and must be ignored.
        assertEquals(Path.of("/home/u/.cache/tessera/cuda"), PtxCache.standardDir(Map.of("XDG_CACHE_HOME", "rel"), "/home/u"));
    }

    @Test
    void putIsAtomicAndKeyedByHashAndTarget(@TempDir Path dir) throws Exception {
        PtxCache c = new PtxCache(dir.resolve("nested"));
        assertEquals(Optional.empty(), c.get("abc", PtxTarget.COMPUTE_80));
        c.put("abc", PtxTarget.COMPUTE_80, "ptx80");
        c.put("abc", PtxTarget.COMPUTE_90, "ptx90");
        assertEquals(Optional.of("ptx80"), c.get("abc", PtxTarget.COMPUTE_80));
        assertEquals(Optional.of("ptx90"), c.get("abc", PtxTarget.COMPUTE_90));
        assertEquals(Optional.empty(), c.get("def", PtxTarget.COMPUTE_80));
        c.put("abc", PtxTarget.COMPUTE_80, "replaced");
        assertEquals(Optional.of("replaced"), c.get("abc", PtxTarget.COMPUTE_80));
        try (Stream<Path> s = Files.list(c.dir())) {
            assertEquals(2, s.peek(p -> assertTrue(p.toString().endsWith(".ptx"), "leftover " + p)).count());
        }
        assertEquals(c.dir().resolve("abc-compute_90.ptx"), c.entry("abc", PtxTarget.COMPUTE_90));
    }
}
