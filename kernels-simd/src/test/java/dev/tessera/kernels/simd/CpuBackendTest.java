package dev.tessera.kernels.simd;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuBackendTest {
    private static final CpuBackend CPU = new CpuBackend();

    @AfterAll
    static void close() { CPU.close(); }

    static Buffer buffer(Backend b, float[] values) {
        Buffer buf = b.allocate(values.length);
        buf.write(0, values);
        return buf;
    }

    static float[] read(Buffer b) {
        float[] out = new float[(int) b.size()];
        b.read(0, out);
        return out;
    }

    static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /**
     * Error bound of a kernel dot product against the exact one: float rounding, plus the rounding
     * of the activations to the weight's activation format: for quantized weights 8 bits per block
     * of 32 (256 for the K-quants), at most half a step ({@code amax/254}) per element; for F16
     * weights half an ulp of F16 (2^-11 relative).
     */
    static double dotTolerance(TensorType type, float[] w, float[] x, int xOffset) {
        int block = type.blockLength() == 256 ? 256 : 32;
        double abs = 0, quant = 0;
        for (int b = 0; b < w.length / block || (b == 0 && w.length < block); b++) {
            double amax = 0, wabs = 0;
            for (int e = block * b; e < Math.min(w.length, block * b + block); e++) {
                amax = Math.max(amax, Math.abs(x[xOffset + e]));
                wabs += Math.abs(w[e]);
                abs += Math.abs(w[e] * x[xOffset + e]);
            }
            quant += wabs * amax / 254;
        }
        double rounding = switch (type) {
            case F16 -> 0x1p-11 * abs;
            default -> type.isQuantized() ? 1.001 * quant : 0;
        };
        return rounding + 2e-6 * abs + 1e-6;
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void matmulMatchesReferenceForOddRowsAndBatches(TensorType type) {
        int rows = 37, cols = 224;
        ExactWeights ew = ExactWeights.random("blk.0.w", type, rows, cols, 7);
        Weight w = CPU.load(ew.tensor());
        Random rnd = new Random(3);
        for (int n : new int[] {1, 3, 9}) {
            float[] x = gaussian(rnd, n * cols);
            Buffer out = CPU.allocate((long) n * rows);
            CPU.matmul(w, buffer(CPU, x), n, out);
            float[] got = read(out);
            for (int i = 0; i < n; i++) {
                float[] want = Reference.matvec(ew.values(), x, i * cols);
                for (int r = 0; r < rows; r++) {
                    double tol = dotTolerance(type, ew.values()[r], x, i * cols);
                    assertEquals(want[r], got[i * rows + r], tol, type + " n=" + n + " row " + r);
                }
            }
        }
    }

    /**
     * One fused job over several weights (mixed types, row counts that are not multiples of the row
     * groups or chunks) gives each output exactly what its own matmul gives.
     */
    @Test
    void fusedMatmulsEqualSeparateOnes() {
        int cols = 256;
        TensorType[] types = {TensorType.Q4_0, TensorType.Q8_0, TensorType.Q6_K, TensorType.F16};
        int[] rows = {45, 7, 300, 33};
        Weight[] ws = new Weight[types.length];
        for (int k = 0; k < ws.length; k++) {
            ws[k] = CPU.load(dev.tessera.kernels.simd.bench.RandomTensors.of("blk.0.w" + k, types[k], rows[k], cols, 11 + k, java.lang.foreign.Arena.ofAuto()));
        }
        Random rnd = new Random(5);
        for (int n : new int[] {1, 3, 9}) {
            Buffer x = buffer(CPU, gaussian(rnd, n * cols));
            Buffer[] fused = new Buffer[ws.length];
            for (int k = 0; k < ws.length; k++) fused[k] = CPU.allocate((long) n * rows[k]);
            CPU.matmuls(ws, x, n, fused);
            for (int k = 0; k < ws.length; k++) {
                Buffer alone = CPU.allocate((long) n * rows[k]);
                CPU.matmul(ws[k], x, n, alone);
                assertArrayEquals(read(alone), read(fused[k]), types[k] + " n=" + n);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CPU.matmuls(ws, CPU.allocate(cols), 1, new Buffer[1]));
    }

    @Test
    void unsupportedTypeNamesTensorAndType() {
        Tensor t = new Tensor("blk.3.ffn_down.weight", TensorType.I32, Shape.of(4, 8), MemorySegment.ofArray(new byte[128]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CPU.load(t));
        assertTrue(e.getMessage().contains("blk.3.ffn_down.weight") && e.getMessage().contains("I32"), e.getMessage());
    }

    @Test
    void threadConfinedWeightsAreRejected() {
        try (java.lang.foreign.Arena confined = java.lang.foreign.Arena.ofConfined()) {
            Tensor t = new Tensor("blk.0.attn_q.weight", TensorType.F32, Shape.of(2, 8), confined.allocate(64));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CPU.load(t));
            assertTrue(e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void embedCopiesDecodedRows(TensorType type) {
        ExactWeights ew = ExactWeights.random("token_embd.weight", type, 11, 64, 5);
        Weight w = CPU.load(ew.tensor());
        int[] tokens = {3, 0, 10, 3};
        Buffer out = CPU.allocate(4 * 64);
        CPU.embed(w, tokens, out);
        float[] got = read(out);
        for (int i = 0; i < tokens.length; i++) {
            for (int c = 0; c < 64; c++) assertEquals(ew.values()[tokens[i]][c], got[i * 64 + c], 0f);
        }
    }

    @Test
    void addBiasAndRmsNorm() {
        Random rnd = new Random(11);
        int rows = 3, cols = 67;
        ExactWeights g = ExactWeights.random("norm", TensorType.F32, 1, cols, 2);
        Weight gain = CPU.load(g.tensor());
        float[] x = gaussian(rnd, rows * cols);
        Buffer xb = buffer(CPU, x);
        CPU.addBias(xb, gain, rows);
        float[] biased = read(xb);
        for (int i = 0; i < rows * cols; i++) assertEquals(x[i] + g.values()[0][i % cols], biased[i], 1e-6f);

        Buffer out = CPU.allocate(rows * cols);
        CPU.rmsNorm(xb, gain, rows, cols, 1e-5f, out);
        float[] got = read(out);
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) ss += (double) biased[r * cols + c] * biased[r * cols + c];
            double inv = 1 / Math.sqrt(ss / cols + 1e-5);
            for (int c = 0; c < cols; c++) {
                double want = biased[r * cols + c] * inv * g.values()[0][c];
                assertEquals(want, got[r * cols + c], 1e-5 * (1 + Math.abs(want)));
            }
        }
    }

    @Test
    void ropeBothLayoutsRotatePairsByPositionAngle() {
        Random rnd = new Random(13);
        int n = 3, heads = 2;
        int[] pos = {0, 5, 1234};
        int[][] dimsAndHead = {{12, 16}, {64, 64}, {48, 64}, {128, 128}};
        for (int[] dh : dimsAndHead) {
            int dims = dh[0], headDim = dh[1], half = dims / 2;
            for (boolean neox : new boolean[] {false, true}) {
                Rope rope = Rope.standard(dims, 10000, neox);
                float[] x = gaussian(rnd, n * heads * headDim);
                Buffer xb = buffer(CPU, x);
                CPU.rope(xb, n, heads, headDim, pos, rope);
                float[] got = read(xb);
                String what = "dims " + dims + "/" + headDim + " neox=" + neox;
                for (int i = 0; i < n; i++) {
                    for (int h = 0; h < heads; h++) {
                        int base = (i * heads + h) * headDim;
                        boolean[] rotated = new boolean[headDim];
                        for (int p = 0; p < half; p++) {
                            int a = neox ? p : 2 * p;
                            int b = neox ? p + half : 2 * p + 1;
                            rotated[a] = rotated[b] = true;
                            double theta = pos[i] * Math.pow(10000, -2.0 * p / dims);
                            // (x_a + i x_b) · e^{iθ}
                            double re = x[base + a] * Math.cos(theta) - x[base + b] * Math.sin(theta);
                            double im = x[base + a] * Math.sin(theta) + x[base + b] * Math.cos(theta);
                            // llama.cpp forms the angle as a float chain θ_{p+1} = θ_p·s: about one rounding per step
                            double tol = 2e-4 + (Math.abs(x[base + a]) + Math.abs(x[base + b])) * theta * (p + 2) * 1.2e-7;
                            assertEquals(re, got[base + a], tol, what + " re " + i + "," + h + "," + p);
                            assertEquals(im, got[base + b], tol, what + " im " + i + "," + h + "," + p);
                        }
                        for (int d = 0; d < headDim; d++) if (!rotated[d]) assertEquals(x[base + d], got[base + d], 0f, what);
                    }
                }
            }
        }
    }

    @Test
    void elementwiseOps() {
        Random rnd = new Random(17);
        int n = 101;
        float[] a = gaussian(rnd, n);
        float[] b = gaussian(rnd, n);
        for (Backend.Activation act : Backend.Activation.values()) {
            Buffer g = buffer(CPU, a);
            CPU.gatedActivation(g, buffer(CPU, b), n, act);
            float[] got = read(g);
            for (int i = 0; i < n; i++) {
                double f = act == Backend.Activation.SILU ? Reference.silu(a[i]) : Reference.geluTanh(a[i]);
                assertEquals(f * b[i], got[i], 1e-5 * (1 + Math.abs(f * b[i])), act + " " + i);
            }
        }
        Buffer d = buffer(CPU, a);
        CPU.add(d, buffer(CPU, b), n);
        float[] sum = read(d);
        for (int i = 0; i < n; i++) assertEquals(a[i] + b[i], sum[i], 0f);
        CPU.scale(d, n, 0.5f);
        float[] half = read(d);
        for (int i = 0; i < n; i++) assertEquals((a[i] + b[i]) * 0.5f, half[i], 0f);
        Buffer s = buffer(CPU, a);
        CPU.scale(s, n, 40f);
        CPU.softcap(s, n, 30f);
        float[] capped = read(s);
        for (int i = 0; i < n; i++) assertEquals(30 * Math.tanh(a[i] * 40 / 30.0), capped[i], 1e-4);
    }

    @Test
    void largeGatedActivationSplitsAcrossThreads() {
        Random rnd = new Random(37);
        int n = 70_001;
        float[] a = gaussian(rnd, n), b = gaussian(rnd, n);
        try (CpuBackend two = new CpuBackend(2)) {
            Buffer g = buffer(two, a);
            two.gatedActivation(g, buffer(two, b), n, Backend.Activation.SILU);
            float[] got = read(g);
            for (int i = 0; i < n; i++) {
                double want = Reference.silu(a[i]) * b[i];
                assertEquals(want, got[i], 1e-5 * (1 + Math.abs(want)), "element " + i);
            }
        }
    }

    @Test
    void argmaxTakesFirstOfTies() {
        float[] x = {1, 5, 2, 5, -1, 7, 7, 0};
        Buffer b = buffer(CPU, x);
        assertEquals(5, CPU.argmax(b, 0, 8));
        assertEquals(0, CPU.argmax(b, 1, 3));
        assertEquals(1, CPU.argmax(b, 4, 3));
        float[] big = gaussian(new Random(1), 1000);
        big[777] = 100;
        assertEquals(777, CPU.argmax(buffer(CPU, big), 0, 1000));
    }

    // ---- attention ----

    /** A filled cache: slot s of layer 1 holds keys[s]/values[s] ([kvHeads][headDim], as rounded by the cache type). */
    record Filled(KvCache cache, float[][][] keys, float[][][] values) {}

    static Filled fill(Backend b, TensorType type, int slots, int kvHeads, int headDim, Random rnd) {
        KvCache cache = b.kvCache(2, Math.max(64, slots), kvHeads, headDim, type);
        float[][][] keys = new float[slots][kvHeads][headDim];
        float[][][] values = new float[slots][kvHeads][headDim];
        int w = kvHeads * headDim;
        float[] k = gaussian(rnd, slots * w);
        float[] v = gaussian(rnd, slots * w);
        int[] slotIds = new int[slots];
        for (int s = 0; s < slots; s++) {
            slotIds[s] = s;
            for (int h = 0; h < kvHeads; h++) {
                for (int d = 0; d < headDim; d++) {
                    float kk = k[s * w + h * headDim + d], vv = v[s * w + h * headDim + d];
                    keys[s][h][d] = type == TensorType.F16 ? Float.float16ToFloat(Float.floatToFloat16(kk)) : kk;
                    values[s][h][d] = type == TensorType.F16 ? Float.float16ToFloat(Float.floatToFloat16(vv)) : vv;
                }
            }
        }
        b.storeKv(cache, 1, buffer(b, k), buffer(b, v), slots, slotIds);
        return new Filled(cache, keys, values);
    }

    static void checkAttention(Backend b, Filled f, int n, int[] positions, AttentionMask mask, AttentionParams p,
                               boolean[][] allowed, Random rnd) {
        int hd = p.headDim();
        float[] q = gaussian(rnd, n * p.heads() * hd);
        Buffer out = b.allocate((long) n * p.heads() * hd);
        b.attention(buffer(b, q), f.cache(), 1, n, positions, mask, p, out);
        float[] got = read(out);
        int group = p.heads() / p.kvHeads();
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < p.heads(); h++) {
                float[] qh = java.util.Arrays.copyOfRange(q, (i * p.heads() + h) * hd, (i * p.heads() + h + 1) * hd);
                int slots = allowed[i].length;
                float[][] ks = new float[slots][], vs = new float[slots][];
                for (int s = 0; s < slots; s++) {
                    ks[s] = f.keys()[s][h / group];
                    vs[s] = f.values()[s][h / group];
                }
                boolean f16 = f.cache().type() == TensorType.F16;
                // an F16 cache works as llama.cpp's: queries rounded to F16, probabilities too (half an ulp, 2^-11 relative, each)
                if (f16) for (int d = 0; d < hd; d++) qh[d] = Float.float16ToFloat(Float.floatToFloat16(qh[d]));
                float[] want = Reference.attend(qh, ks, vs, allowed[i], p.scale(), p.softcap());
                double vmax = 0;
                for (float[] row : vs) for (float e : row) vmax = Math.max(vmax, Math.abs(e));
                for (int d = 0; d < hd; d++) {
                    double tol = 2e-5 * (1 + Math.abs(want[d])) + (f16 ? 0x1p-11 * vmax : 0);
                    assertEquals(want[d], got[(i * p.heads() + h) * hd + d], tol, "query " + i + " head " + h + " dim " + d);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16"})
    void causalAttentionWithGqaWindowAndSoftcap(TensorType type) {
        Random rnd = new Random(19);
        int kvHeads = 2, heads = 6, hd = 16, slots = 40;
        Filled f = fill(CPU, type, slots, kvHeads, hd, rnd);
        int n = 4;
        int[] positions = {36, 37, 38, 39};
        for (int window : new int[] {0, 7}) {
            for (float cap : new float[] {0f, 2f}) {
                AttentionParams p = new AttentionParams(heads, kvHeads, hd, (float) (1 / Math.sqrt(hd)), cap, window);
                boolean[][] allowed = new boolean[n][slots];
                for (int i = 0; i < n; i++) {
                    for (int s = 0; s < slots; s++) {
                        allowed[i][s] = s <= positions[i] && (window <= 0 || positions[i] - s < window);
                    }
                }
                checkAttention(CPU, f, n, positions, AttentionMask.CAUSAL, p, allowed, rnd);
            }
        }
        // a single decode query in the middle of the cache ignores slots after it
        AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.3f, 0, 0);
        boolean[][] allowed = new boolean[1][slots];
        for (int s = 0; s <= 20; s++) allowed[0][s] = true;
        checkAttention(CPU, f, 1, new int[] {20}, AttentionMask.CAUSAL, p, allowed, rnd);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16"})
    void longContextSpansManyTilesOfTheOnlineSoftmax(TensorType type) {
        Random rnd = new Random(31);
        int kvHeads = 2, heads = 8, hd = 64, slots = 3 * Attention.TILE + 17;
        Filled f = fill(CPU, type, slots, kvHeads, hd, rnd);
        int[] positions = {slots - 3, slots - 2, slots - 1};
        for (int window : new int[] {0, Attention.TILE + 5}) {
            AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.6f, window > 0 ? 3f : 0f, window);
            boolean[][] allowed = new boolean[3][slots];
            for (int i = 0; i < 3; i++) {
                for (int s = 0; s < slots; s++) allowed[i][s] = s <= positions[i] && (window <= 0 || positions[i] - s < window);
            }
            checkAttention(CPU, f, 3, positions, AttentionMask.CAUSAL, p, allowed, rnd);
        }
    }

    /** Heads of 8 (stories260K's): one narrow vector per head, several tiles, GQA groups of 2. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16"})
    void narrowHeadsAcrossTilesWithGqaWindowAndSoftcap(TensorType type) {
        Random rnd = new Random(37);
        int kvHeads = 4, heads = 8, hd = 8, slots = 2 * Attention.TILE + 9;
        Filled f = fill(CPU, type, slots, kvHeads, hd, rnd);
        int[] positions = {slots - 2, slots - 1};
        for (int window : new int[] {0, Attention.TILE + 3}) {
            AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.5f, window > 0 ? 2.5f : 0f, window);
            boolean[][] allowed = new boolean[2][slots];
            for (int i = 0; i < 2; i++) {
                for (int s = 0; s < slots; s++) allowed[i][s] = s <= positions[i] && (window <= 0 || positions[i] - s < window);
            }
            checkAttention(CPU, f, 2, positions, AttentionMask.CAUSAL, p, allowed, rnd);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16"})
    void treeAttentionSeesPrefixAndAncestors(TensorType type) {
        Random rnd = new Random(23);
        int kvHeads = 1, heads = 4, hd = 8, prefix = 5, n = 4;
        Filled f = fill(CPU, type, prefix + n, kvHeads, hd, rnd);
        // root(0) at depth 0; 1 and 2 children of 0; 3 child of 1
        boolean[][] visible = {
            {true, false, false, false},
            {true, true, false, false},
            {true, false, true, false},
            {true, true, false, true},
        };
        int[] positions = {5, 6, 6, 7};
        boolean[][] allowed = new boolean[n][prefix + n];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < prefix; s++) allowed[i][s] = true;
            for (int j = 0; j < n; j++) allowed[i][prefix + j] = visible[i][j];
        }
        AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.35f, 0, 0);
        checkAttention(CPU, f, n, positions, new AttentionMask.Tree(prefix, visible), p, allowed, rnd);
        // with a window of 3, node 3 (position 7) sees positions 5..7 only: slots 5 and 6 (its ancestors) and itself
        AttentionParams pw = new AttentionParams(heads, kvHeads, hd, 0.35f, 0, 3);
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < prefix; s++) allowed[i][s] = positions[i] - s < 3;
            for (int j = 0; j < n; j++) allowed[i][prefix + j] = visible[i][j] && positions[i] - positions[j] < 3;
        }
        checkAttention(CPU, f, n, positions, new AttentionMask.Tree(prefix, visible), pw, allowed, rnd);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16"})
    void moveKvCopiesAllLayers(TensorType type) {
        Random rnd = new Random(29);
        int hd = 8;
        Filled f = fill(CPU, type, 10, 1, hd, rnd);
        CPU.moveKv(f.cache(), new int[] {7, 9}, new int[] {5, 6});
        // after the move, slots 5 and 6 hold the old 7 and 9: attention at slot 6 sees 0..4, old 7, old 9
        float[][][] keys = f.keys().clone(), values = f.values().clone();
        keys[5] = f.keys()[7]; keys[6] = f.keys()[9];
        values[5] = f.values()[7]; values[6] = f.values()[9];
        Filled moved = new Filled(f.cache(), keys, values);
        boolean[][] allowed = new boolean[1][7];
        java.util.Arrays.fill(allowed[0], true);
        checkAttention(CPU, moved, 1, new int[] {6}, AttentionMask.CAUSAL, new AttentionParams(2, 1, hd, 0.5f, 0, 0), allowed, rnd);
    }
}
