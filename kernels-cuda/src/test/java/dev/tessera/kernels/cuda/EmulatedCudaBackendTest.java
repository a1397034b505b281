package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole CUDA path without a GPU: {@link CudaBackend} and its Panama bindings drive
 * src/test/cuda/fake_driver.cpp, a stand-in for libcuda.so.1 that runs the real kernels on the host
 * (emu.h). Checks argument order and launch shapes, copies, the upload arena, scratch growth,
 * graph capture and the weight fallback, against {@link ReferenceBackend}. Small problems only:
 * the emulation runs every CUDA thread as a fiber. Needs g++ and the packed PTX (or nvcc).
 */
class EmulatedCudaBackendTest {
    private static CudaBackend gpu;
    private static final ReferenceBackend ref = new ReferenceBackend();
    private final Random rnd = new Random(3);

    @BeforeAll
    static void open() throws Exception {
        Path gpp = Path.of("/usr/bin/g++");
        assumeTrue(Files.isExecutable(gpp), "g++ not found: skipping the emulated driver");
        Path lib = Files.createTempDirectory("tessera-fakecuda").resolve("libfakecuda.so");
        Process cc = new ProcessBuilder(gpp.toString(), "-std=c++20", "-O1", "-pthread", "-shared", "-fPIC", "-include",
                "src/test/cuda/emu.h", "-I", CudaToolkit.sourceDir().toString(), "-x", "c++", "src/test/cuda/fake_driver.cpp",
                "-o", lib.toString()).redirectErrorStream(true).start();
        String log = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), log);
        try {
            gpu = CudaBackend.open(lib.toString(), 0);
        } catch (CudaUnavailableException e) {
            assumeTrue(false, e.getMessage());  // e.g. no packed PTX and no compiler
        }
    }

    @AfterAll
    static void close() { if (gpu != null) gpu.close(); }

    private float[] random(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }

    private record Pair(Buffer g, Buffer r) {
        float[] gpu() { float[] f = new float[(int) g.size()]; g.read(0, f); return f; }
        float[] ref() { float[] f = new float[(int) r.size()]; r.read(0, f); return f; }
    }

    private Pair pair(float[] data) {
        Buffer g = gpu.allocate(data.length), r = ref.allocate(data.length);
        g.write(0, data);
        r.write(0, data);
        return new Pair(g, r);
    }

    @Test
    void stories260KPrefillDecodeAndGraphs() throws Exception {
        Path path = MiniLlamaReferenceTest.shared().resolve("test-models/gguf/stories260K-Q8_0-fallback.gguf");
        try (GgufFile f = GgufFile.open(path);
             MiniLlama g = new MiniLlama(f, gpu, 64, TensorType.F16, 20);
             MiniLlama r = new MiniLlama(f, ref, 64, TensorType.F16, 20)) {
            int[] prompt = {1, 403, 407, 261, 378, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889, 2296, 5360, 304, 1708, 9};
            for (int i = 0; i < prompt.length; i++) prompt[i] %= g.vocab;
            g.forward(prompt, 0);
            r.forward(prompt, 0);
            for (int row : new int[] {0, 19}) Gpu.assertClose(r.logitsRow(row), g.logitsRow(row), 2e-3, "prefill row " + row);
            int tok = ref.argmax(r.logits(), 19L * r.vocab, r.vocab);
            for (int s = 0; s < 2; s++) {
                int[] t = {tok}, p = {20 + s};
                r.forward(t, p[0]);
                if (s == 1) gpu.captured(() -> g.forward(t, p, p, AttentionMask.CAUSAL));
                else g.forward(t, p[0]);
                Gpu.assertClose(r.logitsRow(0), g.logitsRow(0), 2e-3, "decode step " + s);
                assertEquals(ref.argmax(r.logits(), 0, r.vocab), gpu.argmax(g.logits(), 0, g.vocab), "argmax at step " + s);
                tok = ref.argmax(r.logits(), 0, r.vocab);
            }
        }
    }

    /** The project's own forward pass (Transformer) on the emulated GPU and on the CPU backend. */
    @Test
    void realForwardPassMatchesTheCpuBackend() {
        Path path = MiniLlamaReferenceTest.shared().resolve("test-models/gguf/stories260K.gguf");
        try (dev.tessera.kernels.simd.CpuBackend cpu = new dev.tessera.kernels.simd.CpuBackend(1)) {
            CpuEquality.compare(gpu, cpu, path, 5, 1, 2e-3);  // batch paths are covered by the MiniLlama case
        }
    }

    @Test
    void matmulAndEmbedPerType() {
        for (TensorType t : List.of(TensorType.F32, TensorType.BF16, TensorType.Q4_0, TensorType.Q6_K, TensorType.Q5_K)) {
            int cols = t.blockLength() == 256 ? 256 : 64, rows = 9;
            float[] v = random(rows * cols);
            Tensor w = new Tensor("w", t, Shape.of(rows, cols), t == TensorType.F32 ? java.lang.foreign.MemorySegment.ofArray(v)
                    : Quantizer.quantize(t, v, cols, null));
            Weight wg = gpu.load(w), wr = ref.load(w);
            for (int n : new int[] {2, 17}) {
                Pair x = pair(random(n * cols)), y = pair(new float[n * rows]);
                gpu.matmul(wg, x.g(), n, y.g());
                ref.matmul(wr, x.r(), n, y.r());
                Gpu.assertClose(y.ref(), y.gpu(), t == TensorType.Q5_K ? 3e-3 : 1e-4, "matmul " + t + " n=" + n);
            }
            Pair e = pair(new float[2 * cols]);
            gpu.embed(wg, new int[] {8, 1}, e.g());
            ref.embed(wr, new int[] {8, 1}, e.r());
            Gpu.assertClose(e.ref(), e.gpu(), t == TensorType.Q5_K ? 1e-3 : 0, "embed " + t);
        }
    }

    @Test
    void treeAttentionAndMoveKv() {
        int heads = 4, kvHeads = 2, hd = 32, prefix = 40, n = 5, w = kvHeads * hd;
        int[] parent = {-1, 0, 0, 1, 1};
        boolean[][] vis = new boolean[n][n];
        int[] pos = new int[n], slots = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j >= 0; j = parent[j]) vis[i][j] = true;
            pos[i] = parent[i] < 0 ? prefix : pos[parent[i]] + 1;
            slots[i] = prefix + i;
        }
        KvCache cg = gpu.kvCache(2, 64, kvHeads, hd, TensorType.F32), cr = ref.kvCache(2, 64, kvHeads, hd, TensorType.F32);
        int[] chain = new int[prefix + n];
        for (int i = 0; i < chain.length; i++) chain[i] = i;
        Pair k0 = pair(random(prefix * w)), v0 = pair(random(prefix * w));
        gpu.storeKv(cg, 1, k0.g(), v0.g(), prefix, chain);
        ref.storeKv(cr, 1, k0.r(), v0.r(), prefix, chain);
        Pair k = pair(random(n * w)), v = pair(random(n * w)), q = pair(random(n * heads * hd)), o = pair(new float[n * heads * hd]);
        gpu.storeKv(cg, 1, k.g(), v.g(), n, slots);
        ref.storeKv(cr, 1, k.r(), v.r(), n, slots);
        AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.17f, 0, 0);
        AttentionMask tree = new AttentionMask.Tree(prefix, vis);
        gpu.attention(q.g(), cg, 1, n, pos, tree, p, o.g());
        ref.attention(q.r(), cr, 1, n, pos, tree, p, o.r());
        Gpu.assertClose(o.ref(), o.gpu(), 1e-5, "tree attention");
        // Accept the path 0 -> 1 -> 4: move slots 41, 44 to 41, 42, then attend causally over it.
        gpu.moveKv(cg, new int[] {41, 44}, new int[] {41, 42});
        ref.moveKv(cr, new int[] {41, 44}, new int[] {41, 42});
        Pair q1 = pair(random(heads * hd)), o1 = pair(new float[heads * hd]);
        gpu.attention(q1.g(), cg, 1, 1, new int[] {42}, AttentionMask.CAUSAL, p, o1.g());
        ref.attention(q1.r(), cr, 1, 1, new int[] {42}, AttentionMask.CAUSAL, p, o1.r());
        Gpu.assertClose(o1.ref(), o1.gpu(), 1e-5, "attention after moveKv");
        cg.close();
    }

    @Test
    void buffersAndLargeTransfers() {
        float[] big = random(3_000_000);  // above a quarter of the upload arena: the chunked synchronous path
        Buffer b = gpu.allocate(big.length);
        b.write(0, big);
        float[] back = new float[big.length];
        b.read(0, back);
        assertArrayEquals(big, back);
        float[] small = random(10);
        b.slice(100, 50).write(5, small);
        float[] s = new float[10];
        b.read(105, s);
        assertArrayEquals(small, s);
        float[] zero = new float[7];
        gpu.allocate(7).read(0, zero);
        assertArrayEquals(new float[7], zero);
        assertThrows(IllegalArgumentException.class, () -> gpu.matmul(gpu.load(new Tensor("w", TensorType.F32, Shape.of(2, 32),
                java.lang.foreign.MemorySegment.ofArray(new float[64]))), b, 1, gpu.allocate(1)));
    }

    @Test
    void failedCaptureLeavesTheBackendUsable() {
        Buffer x = gpu.allocate(4);
        x.write(0, new float[] {1, 5, 2, 5});
        assertThrows(IllegalStateException.class, () -> gpu.captured(() -> gpu.argmax(x, 0, 4)));
        assertEquals(1, gpu.argmax(x, 0, 4));
        gpu.synchronize();
    }
}
