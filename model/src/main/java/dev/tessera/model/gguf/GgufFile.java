package dev.tessera.model.gguf;

import dev.tessera.model.FormatException;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3), memory-mapped read-only. Metadata and the tensor table are parsed
 * eagerly; tensor data is never copied: {@link #tensor} returns a view over the mapping.
 * Every length read from the file is checked against the bytes left before it is used.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

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
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufFile f = parse(path, arena, seg);
            return f;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FormatException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new FormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Cursor c = new Cursor(path, seg);
        int magic = c.i32("magic");
        if (magic != MAGIC) throw FormatException.of(path, "magic", String.format("expected \"GGUF\", found 0x%08x", magic));
        int version = c.i32("version");
        if (version != 2 && version != 3) {
            throw FormatException.of(path, "version", "expected 2 or 3, found " + Integer.toUnsignedString(version));
        }
        long nTensors = c.u64("tensor_count");
        long nKv = c.u64("metadata_kv_count");
        // Each tensor info and each KV takes at least 8+ bytes: bound the counts by the file size.
        if (nTensors < 0 || nTensors > c.remaining() / 24) throw FormatException.of(path, "tensor_count", nTensors + " is more than the file can hold");
        if (nKv < 0 || nKv > c.remaining() / 12) throw FormatException.of(path, "metadata_kv_count", nKv + " is more than the file can hold");

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("metadata key #" + i);
            int typeId = c.i32("type of " + key);
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw FormatException.of(path, key, "unknown value type " + typeId);
            GgufValue v = c.value(key, type, 0);
            if (kv.put(key, v) != null) throw FormatException.of(path, key, "duplicate metadata key");
        }
        Metadata md = new Metadata(path, kv);

        int alignment = DEFAULT_ALIGNMENT;
        if (md.contains("general.alignment")) {
            long a = md.requireInteger("general.alignment");
            if (a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
                throw FormatException.of(path, "general.alignment", "expected a power of two, found " + a);
            }
            alignment = (int) a;
        }

        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("tensor name #" + i);
            int nDims = c.i32("n_dims of " + name);
            if (nDims < 1 || nDims > 4) throw FormatException.of(path, "tensor " + name + " n_dims", "expected 1..4, found " + nDims);
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.u64("tensor " + name + " ne[" + d + "]");
                if (ne[d] <= 0) throw FormatException.of(path, "tensor " + name + " ne[" + d + "]", "expected > 0, found " + Long.toUnsignedString(ne[d]));
            }
            int typeId = c.i32("tensor " + name + " type");
            TensorType type = TensorType.byId(typeId).filter(TensorType::isGgml)
                    .orElseThrow(() -> FormatException.of(path, "tensor " + name + " type", "unknown ggml type id " + Integer.toUnsignedString(typeId)));
            long offset = c.u64("tensor " + name + " offset");
            Shape shape;
            long bytes;
            try {
                shape = Shape.fromGguf(ne);
                if (ne[0] % type.blockLength() != 0) {
                    throw FormatException.of(path, "tensor " + name, "row length " + ne[0] + " is not a multiple of the " + type + " block length " + type.blockLength());
                }
                bytes = type.bytesFor(shape.size());
            } catch (ArithmeticException e) {
                throw FormatException.of(path, "tensor " + name + " dimensions", "element count overflows");
            }
            if (offset < 0 || offset % alignment != 0) {
                throw FormatException.of(path, "tensor " + name + " offset", Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            if (infos.put(name, new GgufTensorInfo(name, type, shape, offset, bytes)) != null) {
                throw FormatException.of(path, "tensor " + name, "duplicate tensor name");
            }
            ranges.add(new long[] {offset, bytes});
        }
        long dataOffset = align(c.position(), alignment);
        long dataSize = seg.byteSize() - dataOffset;
        for (GgufTensorInfo t : infos.values()) {
            if (dataOffset > seg.byteSize() || t.offset() > dataSize || t.byteSize() > dataSize - t.offset()) {
                throw FormatException.of(path, "tensor " + t.name() + " data", "range [" + t.offset() + ", +" + t.byteSize()
                        + ") runs past the end of the file (data section holds " + Math.max(0, dataSize) + " bytes)");
            }
        }
        return new GgufFile(path, arena, seg, version, md, Collections.unmodifiableMap(infos), dataOffset, alignment);
    }

    static long align(long x, int alignment) { return (x + alignment - 1) / alignment * alignment; }

    public Path path() { return path; }

    public int version() { return version; }

    public Metadata metadata() { return metadata; }

    public int alignment() { return alignment; }

    /** Absolute file offset of the data section. */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return mapping.byteSize(); }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensorInfos() { return List.copyOf(tensors.values()); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    /** A view of the named tensor's bytes inside the mapping. */
    public Tensor tensor(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw FormatException.of(path, "tensor " + name, "missing");
        return new Tensor(name, t.type(), t.shape(), mapping.asSlice(dataOffset + t.offset(), t.byteSize()));
    }

    @Override
    public void close() { arena.close(); }

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
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw FormatException.of(path, field, "is not valid UTF-8");
            }
        }

        GgufValue value(String key, GgufValueType type, int depth) {
            return switch (type) {
                case ARRAY -> {
                    if (depth >= MAX_NESTING) throw FormatException.of(path, key, "arrays nested deeper than " + MAX_NESTING);
                    int elemId = i32(key + " array type");
                    GgufValueType et = GgufValueType.byId(elemId);
                    if (et == null) throw FormatException.of(path, key, "unknown array element type " + elemId);
                    long n = u64(key + " array length");
                    long minElem = et.size() > 0 ? et.size() : 8;
                    if (n < 0 || n > remaining() / minElem) {
                        throw FormatException.of(path, key, "array length " + Long.toUnsignedString(n) + " runs past the end of the file");
                    }
                    List<Object> items = new ArrayList<>((int) n);
                    for (long i = 0; i < n; i++) {
                        GgufValue item = value(key, et, depth + 1);
                        items.add(et == GgufValueType.ARRAY ? item : item.value());
                    }
                    yield new GgufValue(GgufValueType.ARRAY, et, Collections.unmodifiableList(items));
                }
                case STRING -> GgufValue.of(type, string(key));
                default -> GgufValue.of(type, scalar(key, type));
            };
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
