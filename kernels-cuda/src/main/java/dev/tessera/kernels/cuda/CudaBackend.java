package dev.tessera.kernels.cuda;

import dev.tessera.kernels.cuda.driver.CudaDriver;
import dev.tessera.kernels.cuda.driver.CudaException;
import dev.tessera.kernels.cuda.driver.DriverApi;
import dev.tessera.kernels.cuda.driver.LaunchArgs;
import dev.tessera.quant.Dequantizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.HalfFloats;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The {@link Backend} on one NVIDIA GPU. Weights are copied to the device once at load (mmap →
 * pinned staging → device); activations and the KV cache stay on the device; every operation is
 * queued on one stream, and only what the caller reads ({@link Buffer#read}, {@link #argmax})
 * comes back. Small per-call inputs (tokens, positions, slots, masks) go through a pinned upload
 * arena, which also makes a whole step capturable as a CUDA graph ({@link #captured}).
 * Not thread-safe: use one backend from one thread at a time.
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(CudaBackend.class.getName());
    private static final ThreadLocal<MemorySegment> CURRENT_CONTEXT = new ThreadLocal<>();

    /** Batches up to this size use the matrix-vector kernels; larger ones the tiled matrix-matrix kernels. */
    static final int MATVEC_MAX_N = 16;
    /** Batches from this size use the tiled prefill attention; smaller ones the split-K decode attention. */
    static final int PREFILL_MIN_N = 16;
    /** Slots per split-K chunk of decode attention. */
    static final int ATTN_CHUNK = 256;
    static final int MAX_HEAD_DIM = 256;
    private static final long UPLOAD_ARENA_BYTES = 32L << 20;

    private final CudaDriver d;
    private final CudaDevices.Device device;
    private final int deviceHandle;
    private final MemorySegment context, stream, module;
    private final Map<String, CudaKernel> kernels = new HashMap<>();
    private final Arena arena = Arena.ofShared();
    private final LaunchArgs args = new LaunchArgs(arena);
    private final MemorySegment pinned;       // host side of the upload arena, also the staging for reads/writes/loads
    private final long pinnedDevice;          // device mirror of the upload arena
    private long uploadOffset;
    private final MemorySegment[] stagingEvents;
    private final Set<Long> allocations = new HashSet<>();
    private final List<Long> retired = new ArrayList<>();
    private long scratch, scratchBytes;
    private final long argmaxResult;
    private final int maxSharedMemory;        // per block, with opt-in
    private boolean capturing;
    private MemorySegment graphExec;
    private boolean closed;

    private CudaBackend(CudaDriver d, CudaDevices.Device device, KernelModule.Loaded loaded, int deviceHandle, MemorySegment context) {
        this.d = d;
        this.device = device;
        this.deviceHandle = deviceHandle;
        this.context = context;
        this.module = loaded.module();
        for (KernelSpec s : KernelSpec.all()) kernels.put(s.name(), new CudaKernel(s, d.function(module, s.name())));
        this.stream = d.streamCreate();
        this.pinned = d.memHostAlloc(UPLOAD_ARENA_BYTES);
        this.pinnedDevice = alloc(UPLOAD_ARENA_BYTES);
        this.stagingEvents = new MemorySegment[] {d.eventCreate(), d.eventCreate()};
        this.argmaxResult = alloc(16);
        this.maxSharedMemory = d.deviceAttribute(DriverApi.DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, deviceHandle);
        LOG.fine(() -> name() + ": kernels " + loaded.origin());
    }

    /**
     * Opens device {@code ordinal}.
     *
     * @throws CudaUnavailableException (one line: {@code CUDA not available: <reason>}) when there is no usable device
     */
    public static CudaBackend open(int ordinal) {
        return open(CudaDriver.libraryName(), ordinal);
    }

    /** Opens device {@code ordinal} of the driver library {@code library} (tests use a host emulation of it). */
    static CudaBackend open(String library, int ordinal) {
        CudaDevices.Probe probe = CudaDevices.probe(library);
        CudaDevices.Device dev = probe.require(ordinal);
        CudaDriver d = CudaDevices.driver(probe);
        d.init();
        int handle = d.device(ordinal);
        MemorySegment ctx = d.retainPrimaryContext(handle);
        try {
            d.setCurrent(ctx);
            CURRENT_CONTEXT.set(ctx);
            KernelModule.Loaded loaded = KernelModule.load(d, dev, probe.driverVersion());
            return new CudaBackend(d, dev, loaded, handle, ctx);
        } catch (RuntimeException e) {
            d.releasePrimaryContext(handle);
            throw e;
        }
    }

    /** The device this backend runs on. */
    public CudaDevices.Device device() { return device; }

    @Override
    public String name() { return "cuda:" + device.ordinal(); }

    // ---------------------------------------------------------------- memory and transfers

    private void bind() {
        if (closed) throw new IllegalStateException(name() + " is closed");
        if (CURRENT_CONTEXT.get() != context) {
            d.setCurrent(context);
            CURRENT_CONTEXT.set(context);
        }
    }

    private long alloc(long bytes) {
        long p = d.memAlloc(Math.max(bytes, 1));
        allocations.add(p);
        return p;
    }

    void free(long ptr) {
        bind();
        if (!allocations.remove(ptr)) return;
        if (capturing) {
            retired.add(ptr);  // captured work may still use it; freed at the next synchronization
        } else {
            syncStream();
            d.memFree(ptr);
        }
    }

    /** Device scratch of at least {@code bytes}, reused across calls (attention partials, KV moves). */
    private long scratch(long bytes) {
        if (bytes > scratchBytes) {
            if (scratch != 0) {
                allocations.remove(scratch);
                retired.add(scratch);
            }
            long size = Math.max(bytes, Math.min(2 * scratchBytes, bytes + (64L << 20)));
            scratch = alloc(size);
            scratchBytes = size;
        }
        return scratch;
    }

    private void syncStream() {
        d.streamSynchronize(stream);
        uploadOffset = 0;
        for (long p : retired) d.memFree(p);
        retired.clear();
    }

    private void requireNotCapturing(String what) {
        if (capturing) throw new IllegalStateException(what + " needs the host to wait for the GPU, which a captured step cannot do");
    }

    /** Queues a copy of {@code src} to the device through the upload arena; returns its device address. */
    private long stage(MemorySegment src) {
        return stageTo(src, -1);
    }

    /**
     * Copies {@code src} into the pinned arena and queues its transfer to {@code dst}, or to the
     * arena's device mirror when {@code dst < 0}; returns the device address written.
     */
    private long stageTo(MemorySegment src, long dst) {
        long bytes = src.byteSize();
        long aligned = (bytes + 255) & ~255L;
        if (aligned > UPLOAD_ARENA_BYTES) throw new IllegalArgumentException("upload of " + bytes + " bytes exceeds the staging arena");
        if (uploadOffset + aligned > UPLOAD_ARENA_BYTES) {
            if (capturing) throw new IllegalStateException("upload arena full during a captured step (" + UPLOAD_ARENA_BYTES + " bytes)");
            syncStream();
        }
        long off = uploadOffset;
        MemorySegment.copy(src, 0, pinned, off, bytes);
        long target = dst < 0 ? pinnedDevice + off : dst;
        d.memcpyHtoDAsync(target, pinned.asSlice(off, bytes), bytes, stream);
        uploadOffset += aligned;
        return target;
    }

    private long stage(int[] values) { return stage(MemorySegment.ofArray(values)); }

    /** Copies {@code bytes} of host memory to device address {@code dst} (double-buffered through pinned memory). */
    private void copyToDevice(MemorySegment src, long dst) {
        requireNotCapturing("loading data");
        syncStream();
        long half = UPLOAD_ARENA_BYTES / 2;
        boolean[] pending = new boolean[2];
        int b = 0;
        for (long off = 0; off < src.byteSize(); off += half, b ^= 1) {
            long len = Math.min(half, src.byteSize() - off);
            if (pending[b]) d.eventSynchronize(stagingEvents[b]);
            MemorySegment stagingHalf = pinned.asSlice(b * half, len);
            MemorySegment.copy(src, off, stagingHalf, 0, len);
            d.memcpyHtoDAsync(dst + off, stagingHalf, len, stream);
            d.eventRecord(stagingEvents[b], stream);
            pending[b] = true;
        }
        syncStream();
    }

    void upload(long dst, float[] src) {
        bind();
        if (4L * src.length <= UPLOAD_ARENA_BYTES / 4) {
            stageTo(MemorySegment.ofArray(src), dst);  // small writes stay asynchronous and capturable
        } else {
            copyToDevice(MemorySegment.ofArray(src), dst);
        }
    }

    void download(long src, float[] dst) {
        bind();
        requireNotCapturing("reading a buffer");
        syncStream();
        long total = 4L * dst.length;
        MemorySegment out = MemorySegment.ofArray(dst);
        for (long off = 0; off < total; off += UPLOAD_ARENA_BYTES) {
            long len = Math.min(UPLOAD_ARENA_BYTES, total - off);
            d.memcpyDtoHAsync(pinned, src + off, len, stream);
            d.streamSynchronize(stream);
            MemorySegment.copy(pinned, 0, out, off, len);
        }
    }

    // ---------------------------------------------------------------- launches

    private CudaKernel kernel(KernelSpec s) { return kernels.get(s.name()); }

    private void launch(KernelSpec s, LaunchArgs a, int grid, int block) {
        kernel(s).launch(d, stream, a, grid, 1, 1, block, 0);
    }

    private static int blocks(long threads) {
        return (int) Math.min((threads + 255) / 256, 65535L * 16);
    }

    // ---------------------------------------------------------------- Backend

    @Override
    public Weight load(Tensor t) {
        bind();
        TensorType type = t.type();
        if (t.rows() == 1 && type != TensorType.F32) {
            // 1-D weights (norm gains, biases) are kept as F32: the elementwise kernels read F32.
            float[] f = Dequantizer.dequantize(t);
            return place(t.name(), TensorType.F32, 1, f.length, MemorySegment.ofArray(f));
        }
        if (KernelSpec.WEIGHT_SUFFIX.containsKey(type)) return place(t.name(), type, t.rows(), t.cols(), t.data());
        // No kernel for this type: dequantize once to F16 (exact for the scales and codes of
        // every GGUF type up to rounding of the products) and run the F16 kernels.
        LOG.warning(() -> "tensor " + t.name() + ": no CUDA kernel for " + type + ", dequantizing to F16 at load");
        return place(t.name(), TensorType.F16, t.rows(), t.cols(), toF16(t));
    }

    private static MemorySegment toF16(Tensor t) {
        int cols = Math.toIntExact(t.cols());
        long rows = t.rows();
        MemorySegment out = Arena.ofAuto().allocate(2 * rows * cols, 2);
        float[] row = new float[cols];
        long rowBytes = t.rowBytes();
        for (long r = 0; r < rows; r++) {
            Dequantizer.dequantizeRow(t.type(), t.data(), r * rowBytes, row, 0, cols);
            for (int i = 0; i < cols; i++) out.setAtIndex(ValueLayout.JAVA_SHORT, r * cols + i, HalfFloats.f32ToF16(row[i]));
        }
        return out;
    }

    private CudaWeight place(String name, TensorType type, long rows, long cols, MemorySegment data) {
        long ptr = alloc(data.byteSize());
        copyToDevice(data, ptr);
        return new CudaWeight(name, type, rows, cols, ptr, data.byteSize() / rows);
    }

    @Override
    public Buffer allocate(long floats) {
        bind();
        long p = alloc(4 * floats);
        d.memsetD8Async(p, (byte) 0, 4 * floats, stream);
        return new CudaBuffer(this, p, floats);
    }

    @Override
    public KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type) {
        bind();
        if (type != TensorType.F32 && type != TensorType.F16) throw new IllegalArgumentException("KV cache type " + type + ": expected F32 or F16");
        if (headDim > MAX_HEAD_DIM) throw new IllegalArgumentException("head dim " + headDim + " exceeds the CUDA kernels' " + MAX_HEAD_DIM);
        long bytes = 2L * layers * capacity * kvHeads * headDim * (type == TensorType.F16 ? 2 : 4);
        long p = alloc(bytes);
        // Zeroed so masked-out slots never hold NaNs (the kernels skip them, but stay safe).
        d.memsetD8Async(p, (byte) 0, bytes, stream);
        return new CudaKvCache(this, layers, capacity, kvHeads, headDim, type, p);
    }

    @Override
    public void embed(Weight table, int[] tokens, Buffer out) {
        bind();
        CudaWeight w = CudaWeight.of(table);
        CudaBuffer o = CudaBuffer.of(out, this);
        checkCols(w);
        checkSize(o, (long) tokens.length * w.cols(), "embed output");
        for (int t : tokens) {
            if (t < 0 || t >= w.rows()) throw new IllegalArgumentException("token " + t + " outside " + w.name() + " of " + w.rows() + " rows");
        }
        if (tokens.length == 0) return;
        long tok = stage(tokens);
        LaunchArgs a = args.reset().ptr(w.ptr()).ptr(tok).ptr(o.ptr).i32((int) w.cols()).i64(w.rowBytes());
        kernel(KernelSpec.embed(w.type())).launch(d, stream, a, tokens.length, 1, 1, 128, 0);
    }

    @Override
    public void matmul(Weight weight, Buffer x, int n, Buffer out) {
        bind();
        CudaWeight w = CudaWeight.of(weight);
        CudaBuffer xb = CudaBuffer.of(x, this), ob = CudaBuffer.of(out, this);
        checkCols(w);
        checkSize(xb, n * w.cols(), "matmul input");
        checkSize(ob, n * w.rows(), "matmul output");
        if (w.rows() > Integer.MAX_VALUE) throw new IllegalArgumentException(w.name() + " has too many rows for the CUDA kernels");
        if (n <= 0) return;
        int rows = (int) w.rows();
        LaunchArgs a = args.reset().ptr(w.ptr()).ptr(xb.ptr).ptr(ob.ptr).i32(rows).i32((int) w.cols()).i64(w.rowBytes()).i32(n);
        if (n <= MATVEC_MAX_N) {
            kernel(KernelSpec.matvec(w.type())).launch(d, stream, a, (rows + 3) / 4, (n + 7) / 8, 1, 128, 0);
        } else {
            kernel(KernelSpec.matmul(w.type())).launch(d, stream, a, (rows + 63) / 64, (n + 63) / 64, 1, 256, 0);
        }
    }

    private static void checkCols(CudaWeight w) {
        // Block-quantized rows are whole blocks (multiples of 32); plain rows may have any length.
        if (w.cols() > Integer.MAX_VALUE) throw new IllegalArgumentException(w.name() + ": " + w.cols() + " columns is too many");
    }

    private static void checkSize(CudaBuffer b, long need, String what) {
        if (b.size() < need) throw new IllegalArgumentException(what + " has " + b.size() + " floats, needs " + need);
    }

    private static CudaWeight vector(Weight weight, long length, String what) {
        CudaWeight w = CudaWeight.of(weight);
        if (w.type() != TensorType.F32 || w.rows() != 1 || w.cols() != length) {
            throw new IllegalArgumentException(what + " " + w.name() + " is " + w.type() + " [" + w.rows() + ", " + w.cols()
                    + "], expected a vector of " + length);
        }
        return w;
    }

    @Override
    public void addBias(Buffer x, Weight bias, int n) {
        bind();
        CudaBuffer xb = CudaBuffer.of(x, this);
        CudaWeight b = CudaWeight.of(bias);
        vector(bias, b.cols(), "bias");
        long count = n * b.cols();
        checkSize(xb, count, "addBias input");
        if (count == 0) return;
        launch(KernelSpec.ADD_BIAS, args.reset().ptr(xb.ptr).ptr(b.ptr()).i64(count).i32((int) b.cols()), blocks(count), 256);
    }

    @Override
    public void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out) {
        bind();
        CudaBuffer xb = CudaBuffer.of(x, this), ob = CudaBuffer.of(out, this);
        CudaWeight gw = vector(g, cols, "rmsNorm gain");
        checkSize(xb, (long) rows * cols, "rmsNorm input");
        checkSize(ob, (long) rows * cols, "rmsNorm output");
        if (rows == 0) return;
        LaunchArgs a = args.reset().ptr(xb.ptr).ptr(gw.ptr()).ptr(ob.ptr).i32(cols).f32(eps);
        kernel(KernelSpec.RMSNORM).launch(d, stream, a, rows, 1, 1, 256, 0);
    }

    /** Softmax in place over each of {@code rows} rows of {@code cols} floats. */
    public void softmax(Buffer x, int rows, int cols) {
        bind();
        CudaBuffer xb = CudaBuffer.of(x, this);
        checkSize(xb, (long) rows * cols, "softmax input");
        if (rows == 0) return;
        kernel(KernelSpec.SOFTMAX).launch(d, stream, args.reset().ptr(xb.ptr).i32(cols), rows, 1, 1, 256, 0);
    }

    @Override
    public void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope) {
        bind();
        CudaBuffer xb = CudaBuffer.of(x, this);
        checkSize(xb, (long) n * heads * headDim, "rope input");
        if (rope.dims() > headDim) throw new IllegalArgumentException("rope dims " + rope.dims() + " exceed head dim " + headDim);
        if (positions.length < n) throw new IllegalArgumentException(positions.length + " positions for " + n + " rows");
        if (n == 0) return;
        long pos = stage(positions);
        long freq = stage(MemorySegment.ofArray(rope.invFreq()));
        long threads = (long) n * (rope.dims() / 2);
        LaunchArgs a = args.reset().ptr(xb.ptr).i32(n).i32(heads).i32(headDim).ptr(pos).ptr(freq).i32(rope.dims()).i32(rope.neox() ? 1 : 0);
        launch(KernelSpec.ROPE, a, blocks(threads), 256);
    }

    @Override
    public void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots) {
        bind();
        CudaKvCache c = CudaKvCache.of(cache, this);
        CudaBuffer kb = CudaBuffer.of(k, this), vb = CudaBuffer.of(v, this);
        checkLayer(c, layer);
        int w = c.width();
        checkSize(kb, (long) n * w, "storeKv keys");
        checkSize(vb, (long) n * w, "storeKv values");
        for (int i = 0; i < n; i++) checkSlot(c, slots[i]);
        if (n == 0) return;
        long s = stage(slots);
        KernelSpec spec = c.type() == TensorType.F16 ? KernelSpec.STORE_KV_F16 : KernelSpec.STORE_KV_F32;
        LaunchArgs a = args.reset().ptr(c.keys(layer)).ptr(c.values(layer)).ptr(kb.ptr).ptr(vb.ptr).ptr(s).i32(n).i32(w);
        launch(spec, a, blocks((long) n * w), 256);
    }

    private static void checkLayer(CudaKvCache c, int layer) {
        if (layer < 0 || layer >= c.layers()) throw new IllegalArgumentException("layer " + layer + " outside the cache's " + c.layers());
    }

    private static void checkSlot(CudaKvCache c, int slot) {
        if (slot < 0 || slot >= c.capacity()) throw new IllegalArgumentException("slot " + slot + " outside the cache's capacity " + c.capacity());
    }

    @Override
    public void moveKv(KvCache cache, int[] from, int[] to) {
        bind();
        CudaKvCache c = CudaKvCache.of(cache, this);
        if (from.length != to.length) throw new IllegalArgumentException(from.length + " sources for " + to.length + " destinations");
        for (int i = 0; i < from.length; i++) {
            checkSlot(c, from[i]);
            checkSlot(c, to[i]);
        }
        int m = from.length;
        if (m == 0) return;
        int words = c.width() * c.elementBytes() / 2;
        int planes = 2 * c.layers();
        long total = (long) planes * m * words;
        long tmp = scratch(2 * total);
        long f = stage(from), t = stage(to);
        launch(KernelSpec.KV_GATHER, args.reset().ptr(c.ptr).ptr(tmp).ptr(f).i32(m).i32(words).i32(planes).i32(c.capacity()), blocks(total), 256);
        launch(KernelSpec.KV_SCATTER, args.reset().ptr(c.ptr).ptr(tmp).ptr(t).i32(m).i32(words).i32(planes).i32(c.capacity()), blocks(total), 256);
    }

    @Override
    public void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask,
                          AttentionParams p, Buffer out) {
        bind();
        CudaKvCache c = CudaKvCache.of(cache, this);
        CudaBuffer qb = CudaBuffer.of(q, this), ob = CudaBuffer.of(out, this);
        checkLayer(c, layer);
        int D = p.headDim();
        if (p.kvHeads() != c.kvHeads() || D != c.headDim()) {
            throw new IllegalArgumentException("attention params (" + p.kvHeads() + " kv heads × " + D + ") do not match the cache ("
                    + c.kvHeads() + " × " + c.headDim() + ")");
        }
        checkSize(qb, (long) n * p.heads() * D, "attention queries");
        checkSize(ob, (long) n * p.heads() * D, "attention output");
        if (positions.length < n) throw new IllegalArgumentException(positions.length + " positions for " + n + " queries");
        if (n == 0) return;
        int kind, prefix, end;
        long visible = 0;
        switch (mask) {
            case AttentionMask.Causal ignored -> {
                kind = 0;
                prefix = 0;
                int max = 0;
                for (int i = 0; i < n; i++) max = Math.max(max, positions[i]);
                checkSlot(c, max);
                end = max + 1;
            }
            case AttentionMask.Tree tree -> {
                kind = 1;
                prefix = tree.prefix();
                end = prefix + n;
                if (end > c.capacity()) throw new IllegalArgumentException("tree of " + n + " after " + prefix + " exceeds capacity " + c.capacity());
                if (tree.visible().length < n) throw new IllegalArgumentException("tree mask has " + tree.visible().length + " rows for " + n + " queries");
                byte[] bits = new byte[n * n];
                for (int i = 0; i < n; i++) {
                    if (tree.visible()[i].length < n) throw new IllegalArgumentException("tree mask row " + i + " has " + tree.visible()[i].length + " entries, expected " + n);
                    for (int j = 0; j < n; j++) bits[i * n + j] = (byte) (tree.visible()[i][j] ? 1 : 0);
                }
                visible = stage(MemorySegment.ofArray(bits));
            }
        }
        long pos = stage(positions);
        boolean f16 = c.type() == TensorType.F16;
        int prefillSmem = 4 * (16 * D + 32 * (D + 1) + 32 * D);
        if (n >= PREFILL_MIN_N && prefillSmem <= maxSharedMemory) {
            LaunchArgs a = args.reset().ptr(qb.ptr).ptr(c.keys(layer)).ptr(c.values(layer)).ptr(ob.ptr)
                    .i32(p.heads()).i32(p.kvHeads()).i32(D).f32(p.scale()).f32(p.softcap())
                    .ptr(pos).ptr(visible).i32(kind).i32(prefix).i32(n).i32(p.window());
            kernel(f16 ? KernelSpec.ATTN_PREFILL_F16 : KernelSpec.ATTN_PREFILL_F32)
                    .launch(d, stream, a, (n + 15) / 16, p.heads(), 1, 128, prefillSmem);
        } else {
            int chunks = (end + ATTN_CHUNK - 1) / ATTN_CHUNK;
            long partial = scratch(4L * n * p.heads() * chunks * (D + 2));
            LaunchArgs a = args.reset().ptr(qb.ptr).ptr(c.keys(layer)).ptr(c.values(layer)).ptr(partial)
                    .i32(p.heads()).i32(p.kvHeads()).i32(D).f32(p.scale()).f32(p.softcap())
                    .ptr(pos).ptr(visible).i32(kind).i32(prefix).i32(n).i32(p.window()).i32(ATTN_CHUNK);
            kernel(f16 ? KernelSpec.ATTN_SPLIT_F16 : KernelSpec.ATTN_SPLIT_F32).launch(d, stream, a, chunks, p.heads(), n, 128, 0);
            LaunchArgs b = args.reset().ptr(partial).ptr(ob.ptr).i32(p.heads()).i32(D).i32(chunks);
            kernel(KernelSpec.ATTN_COMBINE).launch(d, stream, b, p.heads(), n, 1, 128, 0);
        }
    }

    @Override
    public void gatedActivation(Buffer gate, Buffer up, long count, Activation act) {
        bind();
        CudaBuffer g = CudaBuffer.of(gate, this), u = CudaBuffer.of(up, this);
        checkSize(g, count, "gate");
        checkSize(u, count, "up");
        if (count == 0) return;
        KernelSpec s = act == Activation.SILU ? KernelSpec.SWIGLU : KernelSpec.GEGLU;
        launch(s, args.reset().ptr(g.ptr).ptr(u.ptr).i64(count), blocks(count), 256);
    }

    @Override
    public void add(Buffer dst, Buffer src, long count) {
        bind();
        CudaBuffer a = CudaBuffer.of(dst, this), b = CudaBuffer.of(src, this);
        checkSize(a, count, "add destination");
        checkSize(b, count, "add source");
        if (count == 0) return;
        launch(KernelSpec.ADD, args.reset().ptr(a.ptr).ptr(b.ptr).i64(count), blocks(count), 256);
    }

    @Override
    public void scale(Buffer x, long count, float s) {
        bind();
        CudaBuffer a = CudaBuffer.of(x, this);
        checkSize(a, count, "scale input");
        if (count == 0) return;
        launch(KernelSpec.SCALE, args.reset().ptr(a.ptr).i64(count).f32(s), blocks(count), 256);
    }

    @Override
    public void softcap(Buffer x, long count, float cap) {
        bind();
        CudaBuffer a = CudaBuffer.of(x, this);
        checkSize(a, count, "softcap input");
        if (count == 0) return;
        launch(KernelSpec.SOFTCAP, args.reset().ptr(a.ptr).i64(count).f32(cap), blocks(count), 256);
    }

    @Override
    public int argmax(Buffer x, long offset, int count) {
        bind();
        requireNotCapturing("argmax");
        CudaBuffer a = CudaBuffer.of(x, this);
        if (count <= 0 || offset < 0 || offset + count > a.size()) {
            throw new IllegalArgumentException("argmax of " + count + " floats at " + offset + " in a buffer of " + a.size());
        }
        kernel(KernelSpec.ARGMAX).launch(d, stream, args.reset().ptr(a.ptr + 4 * offset).i32(count).ptr(argmaxResult), 1, 1, 1, 1024, 0);
        syncStream();
        d.memcpyDtoHAsync(pinned, argmaxResult, 4, stream);
        d.streamSynchronize(stream);
        return pinned.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void synchronize() {
        bind();
        requireNotCapturing("synchronize");
        syncStream();
    }

    /**
     * Runs {@code step} (a sequence of this backend's operations that does not read results back)
     * as one CUDA graph: the operations are captured from the stream, the executable graph of the
     * previous call is updated in place when the topology is unchanged (re-instantiated otherwise),
     * and the graph is launched. Saves the per-kernel launch overhead of a decode step.
     */
    public void captured(Runnable step) {
        bind();
        requireNotCapturing("a nested capture");
        d.beginCapture(stream);
        capturing = true;
        MemorySegment graph;
        try {
            step.run();
        } catch (RuntimeException e) {
            capturing = false;
            try {
                d.graphDestroy(d.endCapture(stream));
            } catch (CudaException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        capturing = false;
        graph = d.endCapture(stream);
        try {
            if (graphExec == null || !d.graphExecUpdate(graphExec, graph)) {
                if (graphExec != null) d.graphExecDestroy(graphExec);
                graphExec = null;
                graphExec = d.graphInstantiate(graph);
            }
        } finally {
            d.graphDestroy(graph);
        }
        d.graphLaunch(graphExec, stream);
    }

    @Override
    public void close() {
        if (closed) return;
        bind();
        try {
            syncStream();
        } catch (CudaException e) {
            LOG.warning(name() + ": " + e.getMessage() + " while closing");
        }
        if (graphExec != null) d.graphExecDestroy(graphExec);
        for (long p : allocations) d.memFree(p);
        allocations.clear();
        for (MemorySegment e : stagingEvents) d.eventDestroy(e);
        d.memFreeHost(pinned);
        d.streamDestroy(stream);
        d.moduleUnload(module);
        d.releasePrimaryContext(deviceHandle);
        CURRENT_CONTEXT.remove();
        closed = true;
        arena.close();
    }
}
