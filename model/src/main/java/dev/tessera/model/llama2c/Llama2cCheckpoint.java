package dev.tessera.model.llama2c;

import dev.tessera.model.FormatException;
import dev.tessera.model.io.MappedFile;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Karpathy llama2.c checkpoint, memory-mapped; every weight is a view over the mapping.
 *
 * <p>Formats: legacy (7 × int32 header; a negative vocab_size means a separate classifier),
 * version 1 (256-byte header with magic {@code 0x616b3432}, float32 weights in a different
 * order, no freq_cis tables) and version 2 (Q8_0 export: float32 norms, then each matrix as
 * int8 values followed by one float32 scale per {@code groupSize} values).
 *
 * <p>Tensor names: {@code token_embedding [vocab, dim]}, {@code rms_final [dim]}, per layer
 * {@code layers.L.rms_att [dim]}, {@code layers.L.wq [dim, dim]}, {@code layers.L.wk [kv_dim, dim]},
 * {@code layers.L.wv [kv_dim, dim]}, {@code layers.L.wo [dim, dim]}, {@code layers.L.rms_ffn [dim]},
 * {@code layers.L.w1 [hidden, dim]}, {@code layers.L.w2 [dim, hidden]}, {@code layers.L.w3 [hidden, dim]};
 * {@code wcls [vocab, dim]} only when the classifier is not shared; legacy files also have
 * {@code freq_cis_real}/{@code freq_cis_imag [seq_len, head_size/2]} (unused by llama2.c).
 * Matrices are {@code [out, in]} with rows contiguous. In version 2 each matrix is an I8 tensor
 * and its scales are the F32 tensor {@code <name>.scales [size / groupSize]}. Q and K rows use
 * llama2.c's interleaved RoPE pair layout.
 */
public final class Llama2cCheckpoint implements AutoCloseable {
    public static final int MAGIC = 0x616b3432; // "24ka" on disk
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIM = 1 << 24;

    private final Path path;
    private final Arena arena;
    private final Llama2cConfig config;
    private final Map<String, Tensor> tensors;
    private final Map<String, Long> offsets;
    private final long fileSize;

    private Llama2cCheckpoint(Path path, Arena arena, Llama2cConfig config, Map<String, Tensor> tensors,
                              Map<String, Long> offsets, long fileSize) {
        this.path = path;
        this.arena = arena;
        this.config = config;
        this.tensors = tensors;
        this.offsets = offsets;
        this.fileSize = fileSize;
    }

    public static Llama2cCheckpoint open(Path path) {
        return MappedFile.open(path, "a llama2.c checkpoint", Llama2cCheckpoint::parse);
    }

    /** Parses an image already in memory; the result views {@code image} and does not own it. */
    public static Llama2cCheckpoint of(Path name, MemorySegment image) {
        return parse(name, null, image);
    }

    private static Llama2cCheckpoint parse(Path path, Arena arena, MemorySegment seg) {
        Llama2cConfig c = header(path, seg);
        Layout layout = new Layout(path, seg, c);
        Map<String, Tensor> t = switch (c.version()) {
            case 0 -> layout.legacy();
            case 1 -> layout.v1();
            default -> layout.v2();
        };
        if (layout.pos != seg.byteSize()) {
            throw FormatException.of(path, "file size", "the header " + describe(c) + " needs " + layout.pos
                    + " bytes, the file has " + seg.byteSize());
        }
        return new Llama2cCheckpoint(path, arena, c, Collections.unmodifiableMap(t), Map.copyOf(layout.offsets), seg.byteSize());
    }

    private static String describe(Llama2cConfig c) {
        return "(v" + c.version() + " dim=" + c.dim() + " hidden=" + c.hiddenDim() + " layers=" + c.nLayers() + " heads="
                + c.nHeads() + " kv_heads=" + c.nKvHeads() + " vocab=" + c.vocabSize() + " seq_len=" + c.seqLen() + ")";
    }

    private static Llama2cConfig header(Path path, MemorySegment seg) {
        if (seg.byteSize() < 28) {
            throw FormatException.of(path, "header", "expected at least 28 bytes, the file has " + seg.byteSize() + " (truncated file?)");
        }
        int first = seg.get(I32, 0);
        int version = 0;
        int base = 0;
        boolean shared;
        int groupSize = 0;
        if (first == MAGIC) {
            if (seg.byteSize() < 256) throw FormatException.of(path, "header", "expected 256 bytes after the magic, the file has " + seg.byteSize());
            version = seg.get(I32, 4);
            if (version != 1 && version != 2) throw FormatException.of(path, "version", "expected 1 or 2, found " + version);
            base = 8;
            byte sc = seg.get(ValueLayout.JAVA_BYTE, 36);
            if (sc != 0 && sc != 1) throw FormatException.of(path, "shared_classifier", "expected 0 or 1, found " + sc);
            shared = sc == 1;
            if (version == 2) {
                groupSize = seg.get(I32, 37);
                if (groupSize <= 0 || groupSize > MAX_DIM) throw FormatException.of(path, "group_size", "expected > 0, found " + groupSize);
            }
        } else {
            shared = true; // decided by the sign of vocab_size below
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) v[i] = seg.get(I32, base + 4L * i);
        if (version == 0) {
            shared = v[5] > 0;
            if (v[5] != Integer.MIN_VALUE) v[5] = Math.abs(v[5]);
        }
        for (int i = 0; i < 7; i++) {
            if (v[i] <= 0 || v[i] > MAX_DIM) {
                throw FormatException.of(path, names[i], "expected a value in 1.." + MAX_DIM + ", found " + v[i]
                        + (version == 0 ? " (not a llama2.c checkpoint?)" : ""));
            }
        }
        Llama2cConfig c = new Llama2cConfig(version, v[0], v[1], v[2], v[3], v[4], v[5], v[6], shared, groupSize);
        if (c.dim() % c.nHeads() != 0) throw FormatException.of(path, "n_heads", c.nHeads() + " does not divide dim " + c.dim());
        if (c.nKvHeads() > c.nHeads() || c.nHeads() % c.nKvHeads() != 0) {
            throw FormatException.of(path, "n_kv_heads", c.nKvHeads() + " does not divide n_heads " + c.nHeads());
        }
        if (version == 0 && c.headSize() % 2 != 0) throw FormatException.of(path, "n_heads", "head size " + c.headSize() + " is odd");
        return c;
    }

    /** Walks the weights in file order, checking each against the file size before slicing. */
    private static final class Layout {
        private final Path path;
        private final MemorySegment seg;
        private final Llama2cConfig c;
        private final Map<String, Tensor> out = new LinkedHashMap<>();
        private final Map<String, Long> offsets = new java.util.HashMap<>();
        private long pos;

        Layout(Path path, MemorySegment seg, Llama2cConfig c) {
            this.path = path;
            this.seg = seg;
            this.c = c;
            this.pos = c.headerBytes();
        }

        private void f32(String name, long... dims) { add(name, TensorType.F32, dims); }

        private void add(String name, TensorType type, long... dims) {
            Shape shape = Shape.of(dims);
            long bytes = type.bytesFor(shape.size());
            if (bytes > seg.byteSize() - pos) {
                throw FormatException.of(path, name, "needs " + bytes + " bytes at offset " + pos + " but the file ends at "
                        + seg.byteSize() + " (truncated file, or header " + describe(c) + " wrong?)");
            }
            out.put(name, new Tensor(name, type, shape, seg.asSlice(pos, bytes)));
            offsets.put(name, pos);
            pos += bytes;
        }

        private void perLayer(String what, long... dims) {
            for (int l = 0; l < c.nLayers(); l++) f32("layers." + l + "." + what, dims);
        }

        private void perLayerQ8(String what, long... dims) {
            for (int l = 0; l < c.nLayers(); l++) q8("layers." + l + "." + what, dims);
        }

        private void q8(String name, long... dims) {
            long n = Shape.of(dims).size();
            if (n % c.groupSize() != 0) {
                throw FormatException.of(path, "group_size", name + " has " + n + " values, not a multiple of the group size " + c.groupSize());
            }
            add(name, TensorType.I8, dims);
            f32(name + ".scales", n / c.groupSize());
        }

        Map<String, Tensor> legacy() {
            int d = c.dim();
            f32("token_embedding", c.vocabSize(), d);
            perLayer("rms_att", d);
            perLayer("wq", d, d);
            perLayer("wk", c.kvDim(), d);
            perLayer("wv", c.kvDim(), d);
            perLayer("wo", d, d);
            perLayer("rms_ffn", d);
            perLayer("w1", c.hiddenDim(), d);
            perLayer("w2", d, c.hiddenDim());
            perLayer("w3", c.hiddenDim(), d);
            f32("rms_final", d);
            f32("freq_cis_real", c.seqLen(), c.headSize() / 2);
            f32("freq_cis_imag", c.seqLen(), c.headSize() / 2);
            if (!c.sharedClassifier()) f32("wcls", c.vocabSize(), d);
            return reorder();
        }

        Map<String, Tensor> v1() {
            int d = c.dim();
            perLayer("rms_att", d);
            perLayer("rms_ffn", d);
            f32("rms_final", d);
            f32("token_embedding", c.vocabSize(), d);
            perLayer("wq", d, d);
            perLayer("wk", c.kvDim(), d);
            perLayer("wv", c.kvDim(), d);
            perLayer("wo", d, d);
            perLayer("w1", c.hiddenDim(), d);
            perLayer("w2", d, c.hiddenDim());
            perLayer("w3", c.hiddenDim(), d);
            if (!c.sharedClassifier()) f32("wcls", c.vocabSize(), d);
            return reorder();
        }

        Map<String, Tensor> v2() {
            int d = c.dim();
            perLayer("rms_att", d);
            perLayer("rms_ffn", d);
            f32("rms_final", d);
            q8("token_embedding", c.vocabSize(), d);
            perLayerQ8("wq", d, d);
            perLayerQ8("wk", c.kvDim(), d);
            perLayerQ8("wv", c.kvDim(), d);
            perLayerQ8("wo", d, d);
            perLayerQ8("w1", c.hiddenDim(), d);
            perLayerQ8("w2", d, c.hiddenDim());
            perLayerQ8("w3", c.hiddenDim(), d);
            if (!c.sharedClassifier()) q8("wcls", c.vocabSize(), d);
            return reorder();
        }

        /** The same name order for every version: embedding, layers in order, final norm, rest. */
        private Map<String, Tensor> reorder() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            move(m, "token_embedding");
            for (int l = 0; l < c.nLayers(); l++) {
                for (String w : List.of("rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3")) move(m, "layers." + l + "." + w);
            }
            move(m, "rms_final");
            m.putAll(out);
            return m;
        }

        private void move(Map<String, Tensor> m, String name) {
            Tensor t = out.remove(name);
            m.put(name, t);
            Tensor s = out.remove(name + ".scales");
            if (s != null) m.put(s.name(), s);
        }
    }

    public Path path() { return path; }

    public Llama2cConfig config() { return config; }

    public long fileSize() { return fileSize; }

    /** Every weight in a fixed order (see the class comment for names). */
    public List<Tensor> tensors() { return List.copyOf(tensors.values()); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw FormatException.of(path, "tensor " + name, "missing");
        return t;
    }

    /** File offset of the named tensor's first byte. */
    public long offset(String name) {
        tensor(name);
        return offsets.get(name);
    }

    /** {@code layers.<layer>.<what>}, e.g. {@code layer(0, "wq")}. */
    public Tensor layer(int layer, String what) {
        if (layer < 0 || layer >= config.nLayers()) {
            throw new IllegalArgumentException("layer " + layer + ": expected 0.." + (config.nLayers() - 1));
        }
        return tensor("layers." + layer + "." + what);
    }

    public Tensor tokenEmbedding() { return tensor("token_embedding"); }

    /** The output projection: {@code wcls}, or the token embedding when the classifier is shared. */
    public Tensor classifier() { return config.sharedClassifier() ? tokenEmbedding() : tensor("wcls"); }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
