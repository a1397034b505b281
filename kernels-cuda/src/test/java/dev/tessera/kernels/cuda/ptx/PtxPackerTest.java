package dev.tessera.kernels.cuda.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtxPackerTest {
    @Test
    void packsSourcesAndPtxWithHashAndSkipsWhenUpToDate(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("cuda"));
        Files.writeString(src.resolve("a.cu"), "#include \"common.cuh\"\n");
        Files.writeString(src.resolve("common.cuh"), "// common\n");
        Path out = dir.resolve("out");
        FakeCompiler fake = new FakeCompiler();
        String msg = PtxPacker.pack(src, out, Optional.of(fake));
        assertTrue(msg.startsWith("compiled CUDA kernels to PTX for compute_80, compute_90"), msg);
        KernelSources s = KernelSources.fromDirectory(src);
        assertEquals("a.cu\ncommon.cuh\n", Files.readString(out.resolve("src/sources.list")));
        for (PtxTarget t : PtxTarget.ALL) {
            assertEquals(FakeCompiler.ptxFor(s, t), Files.readString(out.resolve(PackedPtx.ptxName(t))));
            assertEquals(s.sha256(), Files.readString(out.resolve(PackedPtx.hashName(t))).strip());
        }
        assertEquals(2, fake.calls.size());
        assertTrue(PtxPacker.pack(src, out, Optional.of(fake)).startsWith("PTX up to date"));
        assertEquals(2, fake.calls.size());

        Files.writeString(src.resolve("a.cu"), "// changed\n");
        PtxPacker.pack(src, out, Optional.of(fake));
        assertEquals(4, fake.calls.size());
    }

    @Test
    void withoutNvccOnlySourcesArePackedAndOldPtxIsRemoved(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("cuda"));
        Files.writeString(src.resolve("a.cu"), "x");
        Path out = dir.resolve("out");
        PtxPacker.pack(src, out, Optional.of(new FakeCompiler()));
        String msg = PtxPacker.pack(src, out, Optional.empty());
        assertEquals("no nvcc: packed 1 CUDA sources only (PTX is compiled at run time)", msg);
        assertTrue(Files.isRegularFile(out.resolve("src/a.cu")));
        for (PtxTarget t : PtxTarget.ALL) assertFalse(Files.exists(out.resolve(PackedPtx.ptxName(t))));
    }
}
