package dev.tessera.kernels.cuda.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.cuda.CudaToolkit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSourcesTest {
    private static KernelSources two(String a) {
        return new KernelSources(List.of(new KernelSources.Source("common.cuh", "// h\n"), new KernelSources.Source("a.cu", a)));
    }

    @Test
    void hashIsSha256OverNamesLengthsAndBytes() throws Exception {
        KernelSources s = two("x");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("common.cuh\n5\n// h\na.cu\n1\nx".getBytes(StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex(md.digest()), s.sha256());
        assertNotEquals(s.sha256(), two("y").sha256());
        // Moving text between files changes the hash even though the concatenation is the same.
        KernelSources moved = new KernelSources(List.of(new KernelSources.Source("common.cuh", "// h\nx"),
                new KernelSources.Source("a.cu", "")));
        assertNotEquals(s.sha256(), moved.sha256());
    }

    @Test
    void unitIncludesEveryCuFileInOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.cu"), "B");
        Files.writeString(dir.resolve("a.cu"), "A");
        Files.writeString(dir.resolve("common.cuh"), "H");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        KernelSources s = KernelSources.fromDirectory(dir);
        assertEquals("a.cu\nb.cu\ncommon.cuh\n", s.list());
        assertEquals("#include \"a.cu\"\n#include \"b.cu\"\n", s.unit());
        Path out = dir.resolve("copy");
        Path unit = s.writeTo(out);
        assertEquals(s.unit(), Files.readString(unit));
    }

    @Test
    void jarCarriesTheSourceTreeAndMatchingPtx() throws Exception {
        KernelSources tree = KernelSources.fromDirectory(CudaToolkit.sourceDir());
        KernelSources packed = KernelSources.fromResources();
        assertEquals(tree.list(), packed.list());
        assertEquals(tree.sha256(), packed.sha256(), "packed sources are stale: rebuild the module");
        for (PtxTarget t : PtxTarget.ALL) {
            Optional<PackedPtx> p = PackedPtx.fromResources(t);
            assumeTrue(p.isPresent(), "no packed PTX (built without nvcc)");
            assertEquals(tree.sha256(), p.get().sourceSha256(), t.arch());
            assertTrue(p.get().ptx().contains(".target " + t.sm()), t.arch());
        }
    }
}
