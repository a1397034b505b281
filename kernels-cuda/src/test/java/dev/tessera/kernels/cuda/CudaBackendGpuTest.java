package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every CUDA kernel, through the backend API, against {@link ReferenceBackend} on random data.
 * Needs a GPU; skipped (with the reason) without one.
 */
class CudaBackendGpuTest {
    private static CudaBackend gpu;
    private static final ReferenceBackend ref = new ReferenceBackend();
    private final Random rnd = new Random(42);

    @BeforeAll
    static void open() { gpu = Gpu.open(); }

    @AfterAll
    static void close() { if (gpu != null) gpu.close(); }

    private float[] random(int n, double sigma) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rnd.nextGaussian() * sigma);
        return f;
    }

    /** The same data in a GPU buffer and a reference buffer. */
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

    private Tensor tensor(String name, TensorType type, int rows, int cols) {
        float[] values = random(rows * cols, 1.0);
        MemorySegment data = switch (type) {
            case F32 -> MemorySegment.ofArray(values);
            default -> Quantizer.quantize(type, values, cols, null);
        };
        return new Tensor(name, type, rows == 1 ? Shape.of(cols) : Shape.of(rows, cols), data);
    }

    @Test
    void matmulEveryTypeAndBatchShape() {
        for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16, TensorType.Q8_0, TensorType.Q4_0,
                TensorType.Q4_K, TensorType.Q6_K, TensorType.Q5_K, TensorType.Q4_1)) {
            int cols = t.blockLength() == 256 ? 512 : 96;
            int rows = 75;
            Tensor w = tensor("w_" + t, t, rows, cols);
            Weight wg = gpu.load(w), wr = ref.load(w);
            for (int n : new int[] {1, 3, 8, 9, 17, 70}) {
                Pair x = pair(random(n * cols, 1.0));
                Pair y = pair(new float[n * rows]);
                gpu.matmul(wg, x.g(), n, y.g());
                ref.matmul(wr, x.r(), n, y.r());
                // F16 fallback types (Q5_K, Q4_1) round weights to F16: a looser bound.
                Gpu.assertClose(y.ref(), y.gpu(), KernelSpec.WEIGHT_SUFFIX.containsKey(t) ? 1e-4 : 3e-3, "matmul " + t + " n=" + n);
            }
        }
    }

    @Test
    void matmulPlainRowsOfAnyLength() {
        for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
            int cols = 172, rows = 64;
            float[] v = random(rows * cols, 1.0);
            MemorySegment data = MemorySegment.ofArray(new short[rows * cols]);
            for (int i = 0; i < v.length; i++) {
                short h = t == TensorType.F16 ? Float.floatToFloat16(v[i]) : dev.tessera.tensor.HalfFloats.f32ToBf16(v[i]);
                data.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, h);
            }
            Tensor w = new Tensor("plain", t, Shape.of(rows, cols), t == TensorType.F32 ? MemorySegment.ofArray(v) : data);
            Weight wg = gpu.load(w), wr = ref.load(w);
            for (int n : new int[] {1, 5, 33}) {
                Pair x = pair(random(n * cols, 1.0));
                Pair y = pair(new float[n * rows]);
                gpu.matmul(wg, x.g(), n, y.g());
                ref.matmul(wr, x.r(), n, y.r());
                Gpu.assertClose(y.ref(), y.gpu(), 1e-4, "matmul " + t + " cols=172 n=" + n);
                Pair e = pair(new float[n * cols]);
                int[] tokens = rnd.ints(n, 0, rows).toArray();
                gpu.embed(wg, tokens, e.g());
                ref.embed(wr, tokens, e.r());
                Gpu.assertClose(e.ref(), e.gpu(), 0, "embed " + t + " cols=172");
            }
        }
    }

    @Test
    void embedIsExactForEveryKernelType() {
        for (TensorType t : KernelSpec.WEIGHT_SUFFIX.keySet()) {
            int cols = t.blockLength() == 256 ? 256 : 64;
            Tensor w = tensor("e_" + t, t, 40, cols);
            Weight wg = gpu.load(w), wr = ref.load(w);
            int[] tokens = {0, 39, 7, 7, 12};
            Pair out = pair(new float[tokens.length * cols]);
            gpu.embed(wg, tokens, out.g());
            ref.embed(wr, tokens, out.r());
            Gpu.assertClose(out.ref(), out.gpu(), 1e-6, "embed " + t);  // the GPU may fuse d·q − m into one FMA
        }
        Weight wg = gpu.load(tensor("e", TensorType.F32, 4, 32));
        assertThrows(IllegalArgumentException.class, () -> gpu.embed(wg, new int[] {4}, gpu.allocate(32)));
    }

    @Test
    void normsActivationsAndElementwise() {
        int rows = 5, cols = 4096 + 64;
        Tensor g = tensor("g", TensorType.F32, 1, cols);
        Weight gg = gpu.load(g), gr = ref.load(g);
        Pair x = pair(random(rows * cols, 3.0));
        Pair o = pair(new float[rows * cols]);
        gpu.rmsNorm(x.g(), gg, rows, cols, 1e-6f, o.g());
        ref.rmsNorm(x.r(), gr, rows, cols, 1e-6f, o.r());
        Gpu.assertClose(o.ref(), o.gpu(), 1e-5, "rmsNorm");
        gpu.rmsNorm(x.g(), gg, rows, cols, 1e-6f, x.g());  // in place
        ref.rmsNorm(x.r(), gr, rows, cols, 1e-6f, x.r());
        Gpu.assertClose(x.ref(), x.gpu(), 1e-5, "rmsNorm in place");

        for (Backend.Activation act : Backend.Activation.values()) {
            Pair gate = pair(random(10_000, 4.0)), up = pair(random(10_000, 1.0));
            gpu.gatedActivation(gate.g(), up.g(), 10_000, act);
            ref.gatedActivation(gate.r(), up.r(), 10_000, act);
            Gpu.assertClose(gate.ref(), gate.gpu(), 1e-6, act.toString());
        }
        Pair a = pair(random(3000, 1)), b = pair(random(3000, 1));
        gpu.add(a.g(), b.g(), 3000);
        ref.add(a.r(), b.r(), 3000);
        gpu.scale(a.g(), 2999, 0.37f);
        ref.scale(a.r(), 2999, 0.37f);
        gpu.softcap(a.g(), 3000, 1.5f);
        ref.softcap(a.r(), 3000, 1.5f);
        Gpu.assertClose(a.ref(), a.gpu(), 1e-6, "add/scale/softcap");

        Tensor bias = tensor("bias", TensorType.F32, 1, 96);
        Pair bx = pair(random(4 * 96, 1));
        gpu.addBias(bx.g(), gpu.load(bias), 4);
        ref.addBias(bx.r(), ref.load(bias), 4);
        Gpu.assertClose(bx.ref(), bx.gpu(), 0, "addBias");

        Pair s = pair(random(3 * 1000, 5));
        gpu.softmax(s.g(), 3, 1000);
        ref.softmax(s.r(), 3, 1000);
        Gpu.assertClose(s.ref(), s.gpu(), 1e-6, "softmax");
    }

    @Test
    void ropeBothLayoutsAndPartialDims() {
        int n = 7, heads = 4, hd = 128;
        int[] pos = {0, 1, 2, 100, 4095, 30000, 131071};
        for (Rope rope : List.of(Rope.standard(128, 10000, false), Rope.standard(128, 500000, true), Rope.standard(64, 10000, true))) {
            Pair x = pair(random(n * heads * hd, 1));
            gpu.rope(x.g(), n, heads, hd, pos, rope);
            ref.rope(x.r(), n, heads, hd, pos, rope);
            Gpu.assertClose(x.ref(), x.gpu(), 1e-5, "rope neox=" + rope.neox() + " dims=" + rope.dims());
        }
    }

    @Test
    void argmaxTakesTheFirstOfTies() {
        float[] v = random(150_000, 1);
        v[77_777] = 50;
        v[99_999] = 50;
        Pair x = pair(v);
        assertEquals(77_777, gpu.argmax(x.g(), 0, v.length));
        assertEquals(99_999 - 80_000, gpu.argmax(x.g(), 80_000, 70_000));
        assertEquals(ref.argmax(x.r(), 5, 1000), gpu.argmax(x.g(), 5, 1000));
        float[] flat = new float[4096];
        java.util.Arrays.fill(flat, -3f);
        assertEquals(0, gpu.argmax(pair(flat).g(), 0, flat.length));
    }

    private void attentionCase(TensorType kvType, int heads, int kvHeads, int hd, int prefix, int n, AttentionMask mask,
                               float softcap, int window, int[] positions, int[] slots) {
        int capacity = prefix + n + 8;
        KvCache cg = gpu.kvCache(2, capacity, kvHeads, hd, kvType), cr = ref.kvCache(2, capacity, kvHeads, hd, kvType);
        int w = kvHeads * hd;
        // Fill the prefix as a chain, then the batch at its slots.
        int[] pre = new int[prefix];
        for (int i = 0; i < prefix; i++) pre[i] = i;
        Pair pk = pair(random(Math.max(1, prefix) * w, 1)), pv = pair(random(Math.max(1, prefix) * w, 1));
        if (prefix > 0) {
            gpu.storeKv(cg, 1, pk.g(), pv.g(), prefix, pre);
            ref.storeKv(cr, 1, pk.r(), pv.r(), prefix, pre);
        }
        Pair k = pair(random(n * w, 1)), v = pair(random(n * w, 1));
        gpu.storeKv(cg, 1, k.g(), v.g(), n, slots);
        ref.storeKv(cr, 1, k.r(), v.r(), n, slots);
        Pair q = pair(random(n * heads * hd, 1)), out = pair(new float[n * heads * hd]);
        AttentionParams p = new AttentionParams(heads, kvHeads, hd, (float) (1 / Math.sqrt(hd)), softcap, window);
        gpu.attention(q.g(), cg, 1, n, positions, mask, p, out.g());
        ref.attention(q.r(), cr, 1, n, positions, mask, p, out.r());
        Gpu.assertClose(out.ref(), out.gpu(), 2e-5, "attention " + kvType + " heads " + heads + "/" + kvHeads + " D=" + hd
                + " prefix=" + prefix + " n=" + n + " " + mask.getClass().getSimpleName() + " softcap=" + softcap + " window=" + window);
        cg.close();
    }

    private static int[] chain(int start, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = start + i;
        return p;
    }

    @Test
    void attentionDecodeAndPrefillCausal() {
        for (TensorType kv : List.of(TensorType.F32, TensorType.F16)) {
            for (int hd : new int[] {64, 80, 128, 256}) {
                for (int n : new int[] {1, 4, 16, 37}) {
                    int prefix = n == 1 ? 1100 : 300;  // several split-K chunks for decode
                    attentionCase(kv, 8, 2, hd, prefix, n, AttentionMask.CAUSAL, 0, 0, chain(prefix, n), chain(prefix, n));
                }
            }
            attentionCase(kv, 4, 4, 128, 700, 3, AttentionMask.CAUSAL, 50f, 0, chain(700, 3), chain(700, 3));
            attentionCase(kv, 4, 1, 128, 700, 20, AttentionMask.CAUSAL, 0, 256, chain(700, 20), chain(700, 20));
            attentionCase(kv, 4, 1, 128, 0, 40, AttentionMask.CAUSAL, 0, 0, chain(0, 40), chain(0, 40));
        }
    }

    @Test
    void attentionTreeMask() {
        // A tree of 6 nodes after a prefix of 500: 0 -> {1, 2}, 1 -> {3}, 2 -> {4, 5}.
        int[] parent = {-1, 0, 0, 1, 2, 2};
        int n = parent.length, prefix = 500;
        boolean[][] vis = new boolean[n][n];
        int[] depth = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j >= 0; j = parent[j]) vis[i][j] = true;
            depth[i] = parent[i] < 0 ? 0 : depth[parent[i]] + 1;
        }
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = prefix + depth[i];
        AttentionMask tree = new AttentionMask.Tree(prefix, vis);
        for (TensorType kv : List.of(TensorType.F32, TensorType.F16)) {
            attentionCase(kv, 8, 4, 128, prefix, n, tree, 0, 0, positions, chain(prefix, n));
            attentionCase(kv, 8, 4, 64, prefix, n, tree, 0, 100, positions, chain(prefix, n));
        }
        // A tree batch wide enough for the prefill kernel.
        int wide = 24;
        boolean[][] v2 = new boolean[wide][wide];
        int[] p2 = new int[wide];
        for (int i = 0; i < wide; i++) {
            int par = i == 0 ? -1 : (i - 1) / 2;
            for (int j = i; j >= 0; j = j == 0 ? -1 : (j - 1) / 2) v2[i][j] = true;
            p2[i] = prefix + (i == 0 ? 0 : p2[par] - prefix + 1);
        }
        attentionCase(TensorType.F16, 8, 2, 128, prefix, wide, new AttentionMask.Tree(prefix, v2), 0, 0, p2, chain(prefix, wide));
    }

    @Test
    void moveKvKeepsAnAcceptedPath() {
        for (TensorType kv : List.of(TensorType.F32, TensorType.F16)) {
            int layers = 3, cap = 64, kvHeads = 2, hd = 64, w = kvHeads * hd;
            KvCache cg = gpu.kvCache(layers, cap, kvHeads, hd, kv), cr = ref.kvCache(layers, cap, kvHeads, hd, kv);
            for (int l = 0; l < layers; l++) {
                Pair k = pair(random(cap * w, 1)), v = pair(random(cap * w, 1));
                gpu.storeKv(cg, l, k.g(), v.g(), cap, chain(0, cap));
                ref.storeKv(cr, l, k.r(), v.r(), cap, chain(0, cap));
            }
            int[] from = {12, 14, 17}, to = {11, 12, 13};  // overlapping: slot 12 is read and written
            gpu.moveKv(cg, from, to);
            ref.moveKv(cr, from, to);
            // Read back through attention with one-hot queries would be indirect; compare a full-cache attention instead.
            Pair q = pair(random(4 * hd, 1)), og = pair(new float[4 * hd]);
            AttentionParams p = new AttentionParams(4, kvHeads, hd, 0.125f, 0, 0);
            for (int l = 0; l < layers; l++) {
                gpu.attention(q.g(), cg, l, 1, new int[] {cap - 1}, AttentionMask.CAUSAL, p, og.g());
                ref.attention(q.r(), cr, l, 1, new int[] {cap - 1}, AttentionMask.CAUSAL, p, og.r());
                Gpu.assertClose(og.ref(), og.gpu(), 2e-5, "moveKv layer " + l + " " + kv);
            }
            cg.close();
        }
    }

    @Test
    void buffersSliceReadAndWrite() {
        Buffer b = gpu.allocate(1000);
        float[] z = new float[1000];
        b.read(0, z);
        for (float f : z) assertEquals(0f, f);
        float[] data = random(100, 1);
        b.slice(500, 200).write(50, data);
        float[] back = new float[100];
        b.read(550, back);
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, back);
        float[] big = random(20_000_000, 1);  // larger than the staging arena: the chunked path
        Buffer large = gpu.allocate(big.length);
        large.write(0, big);
        float[] bigBack = new float[big.length];
        large.read(0, bigBack);
        org.junit.jupiter.api.Assertions.assertArrayEquals(big, bigBack);
        assertThrows(IndexOutOfBoundsException.class, () -> b.read(990, new float[20]));
    }

    @Test
    void capturedStepEqualsTheSameStepRunDirectly() {
        int cols = 256, rows = 300;
        Tensor w = tensor("wc", TensorType.Q4_K, rows, cols);
        Weight wg = gpu.load(w);
        Tensor g = tensor("gc", TensorType.F32, 1, cols);
        Weight gg = gpu.load(g);
        Buffer x = gpu.allocate(cols), xn = gpu.allocate(cols), y1 = gpu.allocate(rows), y2 = gpu.allocate(rows);
        for (int step = 0; step < 3; step++) {
            float[] in = random(cols, 1);
            x.write(0, in);
            gpu.rmsNorm(x, gg, 1, cols, 1e-5f, xn);
            gpu.matmul(wg, xn, 1, y1);
            float[] direct = new float[rows];
            y1.read(0, direct);
            gpu.captured(() -> {
                x.write(0, in);  // a small write is an async copy, so it is part of the graph
                gpu.rmsNorm(x, gg, 1, cols, 1e-5f, xn);
                gpu.matmul(wg, xn, 1, y2);
            });
            float[] graph = new float[rows];
            y2.read(0, graph);
            org.junit.jupiter.api.Assertions.assertArrayEquals(direct, graph, "step " + step);
        }
        assertThrows(IllegalStateException.class, () -> gpu.captured(() -> gpu.argmax(y1, 0, rows)));
        // The backend still works after a failed capture.
        assertEquals(ref.argmax(pair(new float[] {1, 3, 2}).r(), 0, 3), gpu.argmax(pair(new float[] {1, 3, 2}).g(), 0, 3));
    }
}
