package dev.tessera.kernels.simd;

import dev.tessera.kernels.simd.intq.IntqDot;
import dev.tessera.kernels.simd.stored.StoredVqWeight;
import dev.tessera.quant.Dequantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/**
 * The CPU backend: activations in heap float arrays; F32/F16/BF16 weights read in place from their
 * (mmap'd) bytes, quantized weights repacked once at load into the layout of their integer kernel
 * (see {@link Q4Weight}, {@link Q8Weight}, {@link Int8Weight}). Matrix products and attention run on a persistent
 * {@link Parallel} pool.
 *
 * <p>One thread drives a backend at a time (it keeps per-call working memory); two threads
 * running models concurrently use one backend each, which may share a pool.
 */
public final class CpuBackend implements Backend {
    /** Elementwise ops on fewer floats than this run on the calling thread alone. */
    private static final int PARALLEL_ELEMENTWISE = 1 << 16;

    /** Any thread but the caller, to ask a segment whether workers may read it. */
    private static final Thread ANOTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    private final Parallel parallel;
    private final boolean ownsPool;
    /** Matrix products in llama.cpp's float order ({@link #matchingLlamaCpp}). */
    private final boolean llamaCppOrder;
    private final Q8Rows q8 = new Q8Rows();
    private final MatmulJob matmulJob = new MatmulJob();
    private final Scratch[] scratch;
    private final Attention attention;
    private final RopeKernel ropeKernel = new RopeKernel();

    /** A backend with its own pool of {@code threads} threads. */
    public CpuBackend(int threads) {
        this(new Parallel(threads), true, false);
    }

    /**
     * A backend whose matrix products reproduce llama.cpp's x86 AVX2 CPU backend bit for bit
     * (its float operation order, {@link LlamaCppDot}; its rotary angles, {@link RopeKernel}),
     * for checking against llama.cpp's output.
     * Scalar and many times slower than the default kernels; Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, the K-quants, F32
     * and F16 weights (other types take the default kernels).
     */
    public static CpuBackend matchingLlamaCpp(int threads) {
        return new CpuBackend(new Parallel(threads), true, true);
    }

    /** A backend with one thread per available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend sharing {@code parallel} (which the caller closes). */
    public CpuBackend(Parallel parallel) {
        this(parallel, false, false);
    }

    private CpuBackend(Parallel parallel, boolean ownsPool, boolean llamaCppOrder) {
        this.parallel = parallel;
        this.ownsPool = ownsPool;
        this.llamaCppOrder = llamaCppOrder;
        this.scratch = new Scratch[parallel.threads()];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Scratch();
        this.attention = new Attention(parallel.threads());
    }

    /** Threads used by the kernels. */
    public int threads() { return parallel.threads(); }

    @Override
    public String name() { return "cpu"; }

    @Override
    public Weight load(Tensor tensor) {
        if (StoredVqWeight.handles(tensor.type())) return StoredVqWeight.load(tensor); // GLVQ/PVQ: the vq kernels
        if (!tensor.data().isAccessibleBy(ANOTHER_THREAD)) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": its memory is confined to one thread;"
                    + " the CPU backend reads weights from its worker threads (use a shared, global or auto arena)");
        }
        PackedWeight packed = switch (tensor.type()) {
            case F32, F16, BF16 -> new FloatWeight(tensor);
            case Q4_0, Q4_1, Q4_K -> Q4Weight.pack(tensor, parallel);
            case Q8_0, Q6_K -> Q8Weight.pack(tensor, parallel);
            case Q5_0, Q5_1, Q2_K, Q3_K, Q5_K -> Int8Weight.pack(tensor, parallel);
            // Tessera's int8/int4 group types: IntqDot's fused kernels read the file layout as is.
            case INT8_G32, INT8_G64, INT8_G128, INT4_G32, INT4_G64, INT4_G128, INT4A_G32, INT4A_G64, INT4A_G128 -> null;
            default -> throw new IllegalArgumentException("tensor " + tensor.name() + ": type " + tensor.type()
                    + " is not supported by the CPU backend (expected F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or Q2_K..Q6_K)");
        };
        if (tensor.cols() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": rows of " + tensor.cols() + " elements are too long");
        }
        float[] vector = null;
        if (tensor.shape().rank() == 1 || tensor.rows() == 1) {
            vector = new float[(int) tensor.cols()];
            Dequantizer.dequantizeRow(tensor.type(), tensor.data(), 0, vector, 0, vector.length);
        }
        // A repacked matrix is read from its copy from now on (embedding rows excepted, which fault back
        // in one at a time): drop the file's pages from this process, or the model counts twice in its RSS.
        if ((packed instanceof Q4Weight || packed instanceof Q8Weight || packed instanceof Int8Weight) && tensor.data().isMapped()) tensor.data().unload();
        return new CpuWeight(tensor, vector, packed);
    }

    @Override
    public Buffer allocate(long floats) {
        if (floats < 0 || floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("buffer of " + floats + " floats: expected 0.." + (Integer.MAX_VALUE - 16));
        }
        return new CpuBuffer(new float[(int) floats], 0, (int) floats);
    }

    @Override
    public KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        return new CpuKvCache(layers, capacity, kvHeads, headDim, type);
    }

    @Override
    public void embed(Weight table, int[] tokens, Buffer out) {
        CpuWeight w = CpuWeight.of(table);
        CpuBuffer o = CpuBuffer.of(out);
        int cols = (int) w.cols();
        checkSize(o, (long) tokens.length * cols, "embed output");
        long rowBytes = w.tensor.rowBytes();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= w.rows()) {
                throw new IllegalArgumentException("token " + tokens[i] + ": outside " + w.name() + " rows 0.." + (w.rows() - 1));
            }
            Dequantizer.dequantizeRow(w.type(), w.tensor.data(), tokens[i] * rowBytes, o.data, o.offset + i * cols, cols);
        }
    }

    @Override
    public void matmul(Weight weight, Buffer x, int n, Buffer out) {
        if (weight instanceof StoredVqWeight v) {
            CpuBuffer xv = CpuBuffer.of(x);
            CpuBuffer ov = CpuBuffer.of(out);
            checkSize(xv, (long) n * v.cols(), "matmul input for ", v.name());
            checkSize(ov, (long) n * v.rows(), "matmul output for ", v.name());
            v.matmul(xv.data, xv.offset, n, ov.data, ov.offset);
            return;
        }
        CpuWeight w = CpuWeight.of(weight);
        CpuBuffer xb = CpuBuffer.of(x);
        CpuBuffer ob = CpuBuffer.of(out);
        int cols = (int) w.cols();
        int rows = Math.toIntExact(w.rows());
        checkSize(xb, (long) n * cols, "matmul input for ", w.name());
        checkSize(ob, (long) n * rows, "matmul output for ", w.name());
        if (w.packed == null) {
            IntqDot.matmul(w.type(), w.tensor.data(), rows, cols, xb.data, xb.offset, n, ob.data, ob.offset);
            return;
        }
        if (llamaCppOrder && LlamaCppMatmul.handles(w.type())) {
            LlamaCppMatmul.run(parallel, w.tensor, xb.data, xb.offset, n, ob.data, ob.offset);
            return;
        }
        matmulJob.clear();
        matmulJob.add(w.packed, ob, rows);
        runMatmuls(xb, n, cols);
    }

    @Override
    public void matmuls(Weight[] weights, Buffer x, int n, Buffer[] outs) {
        if (weights.length != outs.length) throw new IllegalArgumentException(weights.length + " weights but " + outs.length + " outputs");
        boolean fusable = weights.length <= MatmulJob.MAX && !llamaCppOrder;
        // One input conversion serves all: the products must share llama.cpp's activation format.
        for (Weight w : weights) {
            fusable &= w instanceof CpuWeight c && c.packed != null && c.cols() == weights[0].cols()
                    && weights[0] instanceof CpuWeight c0 && c0.packed != null && c.packed.activations() == c0.packed.activations();
        }
        if (!fusable) {
            Backend.super.matmuls(weights, x, n, outs);
            return;
        }
        CpuBuffer xb = CpuBuffer.of(x);
        int cols = (int) weights[0].cols();
        checkSize(xb, (long) n * cols, "matmul input for ", weights[0].name());
        matmulJob.clear();
        for (int k = 0; k < weights.length; k++) {
            CpuWeight w = (CpuWeight) weights[k];
            CpuBuffer ob = CpuBuffer.of(outs[k]);
            int rows = Math.toIntExact(w.rows());
            checkSize(ob, (long) n * rows, "matmul output for ", w.name());
            matmulJob.add(w.packed, ob, rows);
        }
        runMatmuls(xb, n, cols);
    }

    /** Runs the products collected in {@link #matmulJob} as one parallel job over their rows. */
    private void runMatmuls(CpuBuffer xb, int n, int cols) {
        // Activations in the weights' format, as llama.cpp's CPU backend converts them; the float
        // kernels (and the batched path of the integer ones) read the converted values.
        TensorType format = matmulJob.activations();
        float[] xs = xb.data;
        int xo = xb.offset;
        if (format != TensorType.F32) {
            boolean floats = format == TensorType.F16 || matmulJob.readsValues(n);
            q8.quantize(format, xb.data, xb.offset, n, cols, floats);
            if (floats) {
                xs = q8.values;
                xo = 0;
            }
        }
        // Chunks taken in turn rather than one part per thread: a thread that loses its core to a
        // neighbour then costs one chunk, not half the matrix.
        // Multiples of 16 rows keep every chunk aligned to the interleaved row groups of Q4Weight and Q8Weight.
        // About 8 chunks per thread and weight, as when each product ran alone.
        int chunk = Math.max(16, matmulJob.totalRows / (parallel.threads() * 8 * matmulJob.count) / 16 * 16);
        parallel.chunks(matmulJob.start(xs, xo, n, chunk), 1, matmulJob);
    }

    @Override
    public void addBias(Buffer x, Weight bias, int n) {
        CpuBuffer xb = CpuBuffer.of(x);
        float[] b = CpuWeight.of(bias).vector();
        checkSize(xb, (long) n * b.length, "addBias input");
        for (int i = 0; i < n; i++) Vec.add(xb.data, xb.offset + i * b.length, b, 0, b.length);
    }

    @Override
    public void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out) {
        CpuBuffer xb = CpuBuffer.of(x);
        CpuBuffer ob = CpuBuffer.of(out);
        float[] gain = CpuWeight.of(g).vector();
        if (gain.length != cols) throw new IllegalArgumentException("rmsNorm gain " + g.name() + " has " + gain.length + " values, expected " + cols);
        checkSize(xb, (long) rows * cols, "rmsNorm input");
        checkSize(ob, (long) rows * cols, "rmsNorm output");
        for (int r = 0; r < rows; r++) Vec.rmsNorm(xb.data, xb.offset + r * cols, gain, ob.data, ob.offset + r * cols, cols, eps);
    }

    @Override
    public void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope) {
        CpuBuffer xb = CpuBuffer.of(x);
        checkSize(xb, (long) n * heads * headDim, "rope input");
        if (rope.dims() > headDim) throw new IllegalArgumentException("rope dims " + rope.dims() + " exceed head dim " + headDim);
        ropeKernel.apply(xb.data, xb.offset, n, heads, headDim, positions, rope);
    }

    @Override
    public void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots) {
        CpuKvCache c = CpuKvCache.of(cache);
        CpuBuffer kb = CpuBuffer.of(k);
        CpuBuffer vb = CpuBuffer.of(v);
        int w = c.slotWidth();
        checkSize(kb, (long) n * w, "storeKv keys");
        checkSize(vb, (long) n * w, "storeKv values");
        for (int i = 0; i < n; i++) {
            if (slots[i] < 0 || slots[i] >= c.capacity()) {
                throw new IllegalArgumentException("kv slot " + slots[i] + ": outside 0.." + (c.capacity() - 1));
            }
            int dst = slots[i] * w;
            if (c.type() == TensorType.F32) {
                System.arraycopy(kb.data, kb.offset + i * w, c.keysF32[layer], dst, w);
                System.arraycopy(vb.data, vb.offset + i * w, c.valuesF32[layer], dst, w);
            } else {
                for (int e = 0; e < w; e++) {
                    c.keysF16[layer][dst + e] = Float.floatToFloat16(kb.data[kb.offset + i * w + e]);
                    c.valuesF16[layer][dst + e] = Float.floatToFloat16(vb.data[vb.offset + i * w + e]);
                }
            }
        }
    }

    @Override
    public void moveKv(KvCache cache, int[] from, int[] to) {
        CpuKvCache c = CpuKvCache.of(cache);
        int w = c.slotWidth();
        for (int i = 0; i < from.length; i++) {
            if (from[i] == to[i]) continue;
            for (int l = 0; l < c.layers(); l++) {
                if (c.type() == TensorType.F32) {
                    System.arraycopy(c.keysF32[l], from[i] * w, c.keysF32[l], to[i] * w, w);
                    System.arraycopy(c.valuesF32[l], from[i] * w, c.valuesF32[l], to[i] * w, w);
                } else {
                    System.arraycopy(c.keysF16[l], from[i] * w, c.keysF16[l], to[i] * w, w);
                    System.arraycopy(c.valuesF16[l], from[i] * w, c.valuesF16[l], to[i] * w, w);
                }
            }
        }
    }

    @Override
    public void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask,
                          AttentionParams params, Buffer out) {
        CpuKvCache c = CpuKvCache.of(cache);
        CpuBuffer qb = CpuBuffer.of(q);
        CpuBuffer ob = CpuBuffer.of(out);
        if (params.headDim() != c.headDim() || params.kvHeads() != c.kvHeads()) {
            throw new IllegalArgumentException("attention params " + params + " do not match the kv cache ("
                    + c.kvHeads() + " kv heads of " + c.headDim() + ")");
        }
        long width = (long) n * params.heads() * params.headDim();
        checkSize(qb, width, "attention queries");
        checkSize(ob, width, "attention output");
        int limit = switch (mask) {
            case AttentionMask.Causal ignored -> {
                int m = 0;
                for (int i = 0; i < n; i++) m = Math.max(m, positions[i] + 1);
                yield m;
            }
            case AttentionMask.Tree t -> t.prefix() + n;
        };
        if (limit > c.capacity()) throw new IllegalArgumentException("attention reaches slot " + (limit - 1) + " beyond kv capacity " + c.capacity());
        attention.run(parallel, qb, c, layer, n, positions, mask, params, ob);
    }

    @Override
    public void gatedActivation(Buffer gate, Buffer up, long count, Activation act) {
        CpuBuffer g = CpuBuffer.of(gate);
        CpuBuffer u = CpuBuffer.of(up);
        checkSize(g, count, "gate");
        checkSize(u, count, "up");
        int n = (int) count;
        if (n < PARALLEL_ELEMENTWISE) {
            gated(g, u, act, 0, n);
        } else {
            parallel.split(n, Lanes.FLOATS, (worker, start, end) -> gated(g, u, act, start, end));
        }
    }

    private static void gated(CpuBuffer g, CpuBuffer u, Activation act, int start, int end) {
        switch (act) {
            case SILU -> Vec.swiglu(g.data, g.offset + start, u.data, u.offset + start, end - start);
            case GELU_TANH -> Vec.geglu(g.data, g.offset + start, u.data, u.offset + start, end - start);
        }
    }

    @Override
    public void add(Buffer dst, Buffer src, long count) {
        CpuBuffer d = CpuBuffer.of(dst);
        CpuBuffer s = CpuBuffer.of(src);
        checkSize(d, count, "add destination");
        checkSize(s, count, "add source");
        Vec.add(d.data, d.offset, s.data, s.offset, (int) count);
    }

    @Override
    public void scale(Buffer x, long count, float s) {
        CpuBuffer b = CpuBuffer.of(x);
        checkSize(b, count, "scale input");
        Vec.scale(b.data, b.offset, (int) count, s);
    }

    @Override
    public void softcap(Buffer x, long count, float cap) {
        CpuBuffer b = CpuBuffer.of(x);
        checkSize(b, count, "softcap input");
        Vec.softcap(b.data, b.offset, (int) count, cap);
    }

    @Override
    public int argmax(Buffer x, long offset, int count) {
        CpuBuffer b = CpuBuffer.of(x);
        if (offset < 0 || count <= 0 || offset + count > b.length) {
            throw new IllegalArgumentException("argmax over " + count + " floats at " + offset + ": outside buffer of " + b.length);
        }
        return Vec.argmax(b.data, b.offset + (int) offset, count);
    }

    @Override
    public void close() {
        if (ownsPool) parallel.close();
    }

    /**
     * The parallel part of {@link #matmul} and {@link #matmuls}: up to {@link #MAX} products of one
     * input, cut into row chunks that never straddle two weights. Reused so a call allocates nothing.
     */
    private final class MatmulJob implements Parallel.Range {
        static final int MAX = 4;
        private final PackedWeight[] ws = new PackedWeight[MAX];
        private final CpuBuffer[] outs = new CpuBuffer[MAX];
        private final int[] rows = new int[MAX];
        /** Index of the first chunk of each weight, and one past the last weight's chunks. */
        private final int[] firstChunk = new int[MAX + 1];
        int count;
        int totalRows;
        private float[] x;
        private int xOffset;
        private int n;
        private int chunk;

        void clear() {
            for (int k = 0; k < count; k++) {
                ws[k] = null;
                outs[k] = null;
            }
            count = 0;
            totalRows = 0;
        }

        void add(PackedWeight w, CpuBuffer out, int rows) {
            ws[count] = w;
            outs[count] = out;
            this.rows[count++] = rows;
            totalRows += rows;
        }

        boolean readsValues(int n) {
            for (int k = 0; k < count; k++) if (ws[k].readsValues(n)) return true;
            return false;
        }

        /** The activation format all the collected weights share. */
        TensorType activations() {
            return ws[0].activations();
        }

        /** Sets the (converted) input and chunk size; returns the number of chunks. */
        int start(float[] x, int xOffset, int n, int chunk) {
            this.x = x;
            this.xOffset = xOffset;
            this.n = n;
            this.chunk = chunk;
            for (int k = 0; k < count; k++) firstChunk[k + 1] = firstChunk[k] + (rows[k] + chunk - 1) / chunk;
            return firstChunk[count];
        }

        @Override
        public void run(int worker, int start, int end) {
            for (int c = start; c < end; c++) {
                int k = 0;
                while (firstChunk[k + 1] <= c) k++;
                int r0 = (c - firstChunk[k]) * chunk;
                ws[k].rows(x, xOffset, q8, n, r0, Math.min(rows[k], r0 + chunk), outs[k].data, outs[k].offset, rows[k], scratch[worker]);
            }
        }
    }

    private static void checkSize(CpuBuffer b, long need, String what) {
        checkSize(b, need, what, "");
    }

    /** {@code what + name} names the buffer; concatenated only on failure (no garbage per call). */
    private static void checkSize(CpuBuffer b, long need, String what, String name) {
        if (b.length < need) throw new IllegalArgumentException(what + name + ": buffer has " + b.length + " floats, needs " + need);
    }
}
