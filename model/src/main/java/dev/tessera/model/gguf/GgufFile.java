package dev.tessera.model.gguf;

import dev.tessera.model.FormatException;
import dev.tessera.model.io.MappedFile;
import dev.tessera.model.io.Utf8;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharsetDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3), memory-mapped read-only. Metadata and the tensor table are parsed
 * eagerly; tensor data is never copied: {@link #tensor} returns a view over the mapping.
 * Every length read from the file is checked against the bytes left before it is used, so a
 * corrupt length can never make the reader allocate more than the file holds.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's limit on tensor dimensions. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Metadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Metadata metadata,
                     Map<String, GgufTensorInfo> tensors, long dataOffset, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Maps and parses {@code path}; throws {@link FormatException} on anything malformed. */
    public static GgufFile open(Path path) {
        return MappedFile.open(path, "a GGUF file", GgufFile::parse);
    }

    /**
     * Parses a GGUF image already in memory ({@code name} is used in error messages). The
     * returned file views {@code image} and does not own it: closing it releases nothing.
     */
    public static GgufFile of(Path name, MemorySegment image) {
        return parse(name, null, image);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Cursor c = new Cursor(path, seg);
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw FormatException.of(path, "magic", String.format("expected \"GGUF\" (0x%08x), found 0x%08x", MAGIC, magic));
        }
        int version = c.i32("version");
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw FormatException.of(path, "version", "big-endian GGUF is not supported (expected a little-endian file)");
            }
            throw FormatException.of(path, "version", "expected 2 or 3, found " + Integer.toUnsignedString(version)
                    + (version == 1 ? " (GGUF v1 is not supported)" : ""));
        }
        long nTensors = c.u64("tensor_count");
        long nKv = c.u64("metadata_kv_count");
        // The smallest tensor info is 32 bytes and the smallest KV 13: bound the counts by the file.
        if (nTensors < 0 || nTensors > c.remaining() / 32) {
            throw FormatException.of(path, "tensor_count", Long.toUnsignedString(nTensors) + " is more than the file can hold (truncated file?)");
        }
        if (nKv < 0 || nKv > c.remaining() / 13) {
            throw FormatException.of(path, "metadata_kv_count", Long.toUnsignedString(nKv) + " is more than the file can hold (truncated file?)");
        }

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("metadata key #" + i);
            int typeId = c.i32("type of " + key);
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw FormatException.of(path, key, "unknown value type " + Integer.toUnsignedString(typeId));
            GgufValue v = c.value(key, type, 0);
            if (kv.put(key, v) != null) throw FormatException.of(path, key, "duplicate metadata key");
        }
        Metadata md = new Metadata(path, kv);
        int alignment = alignment(path, md);

        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            GgufTensorInfo t = c.tensorInfo(i, alignment);
            if (infos.put(t.name(), t) != null) throw FormatException.of(path, "tensor " + t.name(), "duplicate tensor name");
        }
        // Without tensors there is no data section and writers add no padding.
        long dataOffset = nTensors == 0 ? c.position() : align(c.position(), alignment);
        checkData(path, infos.values(), dataOffset, seg.byteSize());
        return new GgufFile(path, arena, seg, version, md, Collections.unmodifiableMap(infos), dataOffset, alignment);
    }

    private static int alignment(Path path, Metadata md) {
        GgufValue v = md.get(ALIGNMENT_KEY).orElse(null);
        if (v == null) return DEFAULT_ALIGNMENT;
        if (!v.type().isInteger()) throw FormatException.of(path, ALIGNMENT_KEY, "expected an integer (UINT32), found " + v.type());
        long a = (Long) v.value();
        if (a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
            throw FormatException.of(path, ALIGNMENT_KEY, "expected a power of two up to 2^20, found " + Long.toUnsignedString(a));
        }
        return (int) a;
    }

    /** Every tensor's bytes lie inside the file and no two tensors share bytes. */
    private static void checkData(Path path, Iterable<GgufTensorInfo> infos, long dataOffset, long fileSize) {
        List<GgufTensorInfo> byOffset = new ArrayList<>();
        for (GgufTensorInfo t : infos) byOffset.add(t);
        if (byOffset.isEmpty()) return;
        long dataSize = fileSize - dataOffset;
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo prev = null;
        for (GgufTensorInfo t : byOffset) {
            if (dataSize < 0 || t.offset() > dataSize || t.byteSize() > dataSize - t.offset()) {
                throw FormatException.of(path, "tensor " + t.name() + " data", "range [" + t.offset() + ", +" + t.byteSize()
                        + ") runs past the end of the file (data section holds " + Math.max(0, dataSize) + " bytes)");
            }
            if (prev != null && t.offset() < prev.offset() + prev.byteSize()) {
                throw FormatException.of(path, "tensor " + t.name() + " offset", t.offset() + " overlaps tensor " + prev.name()
                        + " at [" + prev.offset() + ", +" + prev.byteSize() + ")");
            }
            prev = t;
        }
    }

    /** ggml type ids Tessera cannot read, by name (ggml.h); null where ggml has no type. */
    private static final String[] GGML_NAMES = new String[43];

    static {
        String[] named = {"4 Q4_2 (removed from ggml)", "5 Q4_3 (removed from ggml)", "16 IQ2_XXS", "17 IQ2_XS", "18 IQ3_XXS",
            "19 IQ1_S", "20 IQ4_NL", "21 IQ3_S", "22 IQ2_S", "23 IQ4_XS", "29 IQ1_M", "31 Q4_0_4_4 (removed from GGUF)",
            "32 Q4_0_4_8 (removed from GGUF)", "33 Q4_0_8_8 (removed from GGUF)", "34 TQ1_0", "35 TQ2_0",
            "36 IQ4_NL_4_4 (removed from GGUF)", "37 IQ4_NL_4_8 (removed from GGUF)", "38 IQ4_NL_8_8 (removed from GGUF)",
            "39 MXFP4", "40 NVFP4", "41 Q1_0", "42 Q2_0"};
        for (String n : named) {
            int sp = n.indexOf(' ');
            GGML_NAMES[Integer.parseInt(n.substring(0, sp))] = n.substring(sp + 1);
        }
    }

    private static String unsupportedType(int id) {
        if (id >= 0 && id < GGML_NAMES.length && GGML_NAMES[id] != null) {
            return "ggml type " + GGML_NAMES[id] + " (id " + id + ") is not supported";
        }
        return "unknown ggml type id " + Integer.toUnsignedString(id);
    }

    static long align(long x, int alignment) { return (x + alignment - 1) / alignment * alignment; }

    public Path path() { return path; }

    public int version() { return version; }

    public Metadata metadata() { return metadata; }

    public int alignment() { return alignment; }

    /** Absolute file offset of the data section (the end of the header when there are no tensors). */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return mapping.byteSize(); }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensorInfos() { return List.copyOf(tensors.values()); }

    public int tensorCount() { return tensors.size(); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    /** The named tensor's info; {@link FormatException} if absent. */
    public GgufTensorInfo tensorInfo(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw FormatException.of(path, "tensor " + name, "missing");
        return t;
    }

    /** A view of the named tensor's bytes inside the mapping. */
    public Tensor tensor(String name) {
        GgufTensorInfo t = tensorInfo(name);
        return new Tensor(name, t.type(), t.shape(), bytes(t));
    }

    /** The raw bytes of a tensor, a slice of the mapping. */
    public MemorySegment bytes(GgufTensorInfo t) {
        return mapping.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    /** Bounds-checked little-endian reads over the mapping. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final int MAX_NESTING = 8;

        private final Path path;
        private final MemorySegment seg;
        private final CharsetDecoder utf8 = Utf8.strictDecoder();
        private byte[] buf = new byte[256];
        private long pos;

        Cursor(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        long position() { return pos; }

        long remaining() { return seg.byteSize() - pos; }

        private void need(long n, String field) {
            if (n < 0 || n > remaining()) {
                throw FormatException.of(path, field, "needs " + Long.toUnsignedString(n) + " bytes at offset " + pos
                        + " but the file ends at " + seg.byteSize() + " (truncated file?)");
            }
        }

        int i32(String field) { need(4, field); int v = seg.get(I32, pos); pos += 4; return v; }

        long u64(String field) { need(8, field); long v = seg.get(I64, pos); pos += 8; return v; }

        String string(String field) {
            long len = u64(field + " length");
            need(len, field);
            if (len > Integer.MAX_VALUE - 8) throw FormatException.of(path, field, "string of " + len + " bytes is too long");
            if (buf.length < len) buf = new byte[(int) Math.max(len, 2L * buf.length)];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, (int) len);
            String s = Utf8.decodeOrNull(utf8, buf, 0, (int) len);
            if (s == null) throw FormatException.of(path, field, "is not valid UTF-8 (at offset " + pos + ")");
            pos += len;
            return s;
        }

        GgufTensorInfo tensorInfo(long index, int alignment) {
            String name = string("tensor name #" + index);
            String field = "tensor " + name;
            int nDims = i32(field + " n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw FormatException.of(path, field + " n_dims", "expected 1.." + MAX_DIMS + ", found " + Integer.toUnsignedString(nDims));
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = u64(field + " ne[" + d + "]");
                if (ne[d] <= 0) {
                    throw FormatException.of(path, field + " ne[" + d + "]", "expected a dimension > 0, found " + Long.toUnsignedString(ne[d]));
                }
            }
            int typeId = i32(field + " type");
            TensorType type = TensorType.byId(typeId).filter(TensorType::isGgml)
                    .orElseThrow(() -> FormatException.of(path, field + " type", unsupportedType(typeId)));
            long offset = u64(field + " offset");
            if (ne[0] % type.blockLength() != 0) {
                throw FormatException.of(path, field + " ne[0]", "row length " + ne[0] + " is not a multiple of the "
                        + type + " block length " + type.blockLength());
            }
            Shape shape;
            long bytes;
            try {
                shape = Shape.fromGguf(ne);
                bytes = type.bytesFor(shape.size());
            } catch (ArithmeticException e) {
                throw FormatException.of(path, field + " dimensions", java.util.Arrays.toString(ne) + ": the byte size overflows 64 bits");
            }
            if (offset < 0 || offset % alignment != 0) {
                throw FormatException.of(path, field + " offset", Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            return new GgufTensorInfo(name, type, shape, offset, bytes);
        }

        GgufValue value(String key, GgufValueType type, int depth) {
            return switch (type) {
                case ARRAY -> array(key, depth);
                case STRING -> GgufValue.of(type, string(key));
                default -> GgufValue.of(type, scalar(key, type));
            };
        }

        private GgufValue array(String key, int depth) {
            if (depth >= MAX_NESTING) throw FormatException.of(path, key, "arrays nested deeper than " + MAX_NESTING);
            int elemId = i32(key + " array type");
            GgufValueType et = GgufValueType.byId(elemId);
            if (et == null) throw FormatException.of(path, key, "unknown array element type " + Integer.toUnsignedString(elemId));
            long n = u64(key + " array length");
            // Strings take at least their 8-byte length, nested arrays their 12-byte header.
            long minElem = et.size() > 0 ? et.size() : et == GgufValueType.STRING ? 8 : 12;
            if (n < 0 || n > remaining() / minElem || n > Integer.MAX_VALUE - 8) {
                throw FormatException.of(path, key, "array length " + Long.toUnsignedString(n) + " runs past the end of the file");
            }
            List<Object> items = new ArrayList<>((int) Math.min(n, 1 << 16));
            for (long i = 0; i < n; i++) {
                GgufValue item = value(key, et, depth + 1);
                items.add(et == GgufValueType.ARRAY ? item : item.value());
            }
            return new GgufValue(GgufValueType.ARRAY, et, Collections.unmodifiableList(items));
        }

        private Object scalar(String key, GgufValueType type) {
            need(type.size(), key);
            long p = pos;
            pos += type.size();
            return switch (type) {
                case UINT8 -> (long) (seg.get(ValueLayout.JAVA_BYTE, p) & 0xff);
                case INT8 -> (long) seg.get(ValueLayout.JAVA_BYTE, p);
                case UINT16 -> (long) (seg.get(I16, p) & 0xffff);
                case INT16 -> (long) seg.get(I16, p);
                case UINT32 -> seg.get(I32, p) & 0xffffffffL;
                case INT32 -> (long) seg.get(I32, p);
                case UINT64, INT64 -> seg.get(I64, p);
                case FLOAT32 -> seg.get(F32, p);
                case FLOAT64 -> seg.get(F64, p);
                case BOOL -> {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, p);
                    if (b != 0 && b != 1) throw FormatException.of(path, key, "expected a bool (0 or 1), found " + b);
                    yield b == 1;
                }
                default -> throw new IllegalStateException(type.toString());
            };
        }
    }
}
