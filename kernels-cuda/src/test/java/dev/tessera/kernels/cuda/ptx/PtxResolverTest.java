package dev.tessera.kernels.cuda.ptx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtxResolverTest {
    private static final KernelSources SOURCES = new KernelSources(List.of(new KernelSources.Source("k.cu", "kernel v1")));
    private static final KernelSources CHANGED = new KernelSources(List.of(new KernelSources.Source("k.cu", "kernel v2")));

    @Test
    void packedPtxWithMatchingHashIsUsedWithoutCompiling(@TempDir Path dir) {
        FakeCompiler fake = new FakeCompiler();
        PtxResolver r = new PtxResolver(SOURCES, t -> Optional.of(new PackedPtx(SOURCES.sha256(), "packed " + t.arch())),
                new PtxCache(dir), () -> List.of(fake));
        PtxResolver.Resolved got = r.resolve(PtxTarget.COMPUTE_90);
        assertEquals(PtxResolver.Origin.PACKED, got.origin());
        assertEquals("packed compute_90", got.ptx());
        assertTrue(fake.calls.isEmpty());
    }

    @Test
    void stalePackedPtxIsRecompiledThenCached(@TempDir Path dir) throws Exception {
        FakeCompiler fake = new FakeCompiler();
        PtxCache cache = new PtxCache(dir);
        // Packed PTX built from older sources: its hash does not match.
        PtxResolver r = new PtxResolver(CHANGED, t -> Optional.of(new PackedPtx(SOURCES.sha256(), "old")), cache, () -> List.of(fake));
        PtxResolver.Resolved first = r.resolve(PtxTarget.COMPUTE_80);
        assertEquals(PtxResolver.Origin.COMPILED, first.origin());
        assertEquals(FakeCompiler.ptxFor(CHANGED, PtxTarget.COMPUTE_80), first.ptx());
        assertEquals(List.of("compute_80"), fake.calls);
        assertEquals(first.ptx(), Files.readString(cache.entry(CHANGED.sha256(), PtxTarget.COMPUTE_80)));

        PtxResolver.Resolved second = r.resolve(PtxTarget.COMPUTE_80);
        assertEquals(PtxResolver.Origin.CACHED, second.origin());
        assertEquals(first.ptx(), second.ptx());
        assertEquals(1, fake.calls.size());

        // The cache entry of the old sources is never served for the new ones.
        cache.put(SOURCES.sha256(), PtxTarget.COMPUTE_90, "stale");
        assertEquals(PtxResolver.Origin.COMPILED, r.resolve(PtxTarget.COMPUTE_90).origin());
    }

    @Test
    void failingCompilerFallsThroughToTheNext(@TempDir Path dir) {
        FakeCompiler bad = new FakeCompiler("bad.cu(3): error: boom");
        FakeCompiler good = new FakeCompiler();
        PtxResolver r = new PtxResolver(SOURCES, t -> Optional.empty(), new PtxCache(dir), () -> List.of(bad, good));
        PtxResolver.Resolved got = r.resolve(PtxTarget.COMPUTE_80);
        assertEquals("compiled by fake", got.detail());
        assertEquals(1, bad.calls.size());
    }

    @Test
    void allCompilersFailingReportsEveryLog(@TempDir Path dir) {
        PtxResolver r = new PtxResolver(SOURCES, t -> Optional.empty(), new PtxCache(dir),
                () -> List.of(new FakeCompiler("first log"), new FakeCompiler("second log")));
        PtxCompileException e = assertThrows(PtxCompileException.class, () -> r.resolve(PtxTarget.COMPUTE_80));
        assertTrue(e.getMessage().contains("first log") && e.getMessage().contains("second log"), e.getMessage());
    }

    @Test
    void noCompilerAndNoUsablePtxSaysSo(@TempDir Path dir) {
        PtxResolver r = new PtxResolver(SOURCES, t -> Optional.empty(), new PtxCache(dir), List::of);
        PtxCompileException e = assertThrows(PtxCompileException.class, () -> r.resolve(PtxTarget.COMPUTE_90));
        assertEquals("no PTX for compute_90 matching the kernel sources, and neither NVRTC (libnvrtc.so) nor nvcc was found"
                + " to compile them", e.getMessage());
    }

    @Test
    void resolveWithoutPackedIgnoresAMatchingPackedCopy(@TempDir Path dir) {
        FakeCompiler fake = new FakeCompiler();
        PtxResolver r = new PtxResolver(SOURCES, t -> Optional.of(new PackedPtx(SOURCES.sha256(), "packed")),
                new PtxCache(dir), () -> List.of(fake));
        assertEquals(PtxResolver.Origin.COMPILED, r.resolveWithoutPacked(PtxTarget.COMPUTE_80).origin());
    }
}
