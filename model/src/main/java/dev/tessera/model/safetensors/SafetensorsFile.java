package dev.tessera.model.safetensors;

import dev.tessera.model.FormatException;
import dev.tessera.model.io.MappedFile;
import dev.tessera.model.io.Utf8;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only: an 8-byte little-endian header length, a JSON
 * header, then the data buffer. The header is validated like the reference reader does (tensors
 * tile the buffer exactly, sizes match dtype × shape); tensor data is never copied.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit on the header size. */
    public static final long MAX_HEADER = 100_000_000L;
    public static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensorInfo> tensors;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, long dataOffset, Map<String, String> metadata,
                            Map<String, SafetensorsTensorInfo> tensors) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        return MappedFile.open(path, "a .safetensors file", SafetensorsFile::parse);
    }

    /** Parses an image already in memory; the result views {@code image} and does not own it. */
    public static SafetensorsFile of(Path name, MemorySegment image) {
        return parse(name, null, image);
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment seg) {
        long size = seg.byteSize();
        if (size < 8) throw FormatException.of(path, "header length", "needs 8 bytes, the file has " + size + " (truncated file?)");
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > size - 8) {
            throw FormatException.of(path, "header length", Long.toUnsignedString(n) + " is longer than the file ("
                    + (size - 8) + " bytes after the length field)");
        }
        if (n > MAX_HEADER) throw FormatException.of(path, "header length", n + " exceeds the limit of " + MAX_HEADER + " bytes");
        String text = Utf8.decodeOrNull(Utf8.strictDecoder(), seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        if (text == null) throw FormatException.of(path, "header", "is not valid UTF-8");
        Map<String, Object> header;
        try {
            header = Json.parseObjectUniqueKeys(text);
        } catch (JsonException e) {
            throw FormatException.of(path, "header", "bad JSON: " + e.getMessage());
        }
        long dataLength = size - 8 - n;
        Map<String, String> metadata = Map.of();
        Map<String, SafetensorsTensorInfo> infos = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) metadata = metadata(path, e.getValue());
            else infos.put(e.getKey(), info(path, e.getKey(), e.getValue(), dataLength));
        }
        checkTiling(path, infos.values(), dataLength);
        return new SafetensorsFile(path, arena, seg, 8 + n, metadata, Collections.unmodifiableMap(infos));
    }

    private static Map<String, String> metadata(Path path, Object v) {
        if (!(v instanceof Map<?, ?> m)) throw FormatException.of(path, METADATA_KEY, "expected an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw FormatException.of(path, METADATA_KEY + "." + e.getKey(), "expected a string, found " + Json.write(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static SafetensorsTensorInfo info(Path path, String name, Object v, long dataLength) {
        String field = "tensor " + name;
        if (!(v instanceof Map<?, ?> m)) throw FormatException.of(path, field, "expected an object with dtype, shape and data_offsets");
        if (!(m.get("dtype") instanceof String dt)) throw FormatException.of(path, field + " dtype", "missing or not a string");
        SafetensorsDtype dtype = SafetensorsDtype.byName(dt)
                .orElseThrow(() -> FormatException.of(path, field + " dtype", "unknown dtype \"" + dt + "\""));
        if (!(m.get("shape") instanceof List<?> shapeList)) throw FormatException.of(path, field + " shape", "missing or not an array");
        long[] shape = new long[shapeList.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw FormatException.of(path, field + " shape", "expected non-negative integers, found " + Json.write(shapeList));
            }
            shape[i] = d;
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw FormatException.of(path, field + " shape", Json.write(shapeList) + ": the element count overflows 64 bits");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2 || !(off.get(0) instanceof Long begin)
                || !(off.get(1) instanceof Long end) || begin < 0 || end < begin) {
            throw FormatException.of(path, field + " data_offsets", "expected [begin, end] with 0 <= begin <= end, found "
                    + Json.write(m.get("data_offsets")));
        }
        if (end > dataLength) {
            throw FormatException.of(path, field + " data_offsets", "[" + begin + ", " + end + ") runs past the end of the data ("
                    + dataLength + " bytes)");
        }
        long bits;
        try {
            bits = Math.multiplyExact(count, (long) dtype.bits());
        } catch (ArithmeticException e) {
            throw FormatException.of(path, field + " shape", "the byte size overflows 64 bits");
        }
        if (bits % 8 != 0 || bits / 8 != end - begin) {
            throw FormatException.of(path, field + " data_offsets", "[" + begin + ", " + end + ") holds " + (end - begin) + " bytes, but "
                    + dtype + " " + Json.write(shapeList) + " needs " + (bits % 8 == 0 ? bits / 8 + " bytes" : bits + " bits"));
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /** Sorted by offset, the tensors must tile the data buffer exactly: no overlap, no gap, no tail. */
    private static void checkTiling(Path path, Iterable<SafetensorsTensorInfo> infos, long dataLength) {
        List<SafetensorsTensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin).thenComparingLong(SafetensorsTensorInfo::end));
        long expected = 0;
        String prev = null;
        for (SafetensorsTensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw FormatException.of(path, "tensor " + t.name() + " data_offsets", "[" + t.begin() + ", " + t.end()
                        + ") overlaps tensor " + prev + " ending at " + expected);
            }
            if (t.begin() > expected) {
                throw FormatException.of(path, "tensor " + t.name() + " data_offsets", "begins at " + t.begin() + ", leaving bytes ["
                        + expected + ", " + t.begin() + ") of the data unused (expected " + expected + ")");
            }
            expected = t.end();
            prev = t.name();
        }
        if (expected != dataLength) {
            throw FormatException.of(path, "data_offsets", "the tensors cover " + expected + " bytes but the data holds " + dataLength);
        }
    }

    public Path path() { return path; }

    /** The {@code __metadata__} string map (empty if absent). */
    public Map<String, String> metadata() { return metadata; }

    /** Tensor infos in header order. */
    public List<SafetensorsTensorInfo> tensorInfos() { return List.copyOf(tensors.values()); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    public SafetensorsTensorInfo info(String name) {
        SafetensorsTensorInfo t = tensors.get(name);
        if (t == null) throw FormatException.of(path, "tensor " + name, "missing");
        return t;
    }

    /** File offset of the data buffer (8 + header length). */
    public long dataOffset() { return dataOffset; }

    public long fileSize() { return mapping.byteSize(); }

    /** The raw bytes of a tensor of any dtype, a slice of the mapping. */
    public MemorySegment bytes(String name) {
        SafetensorsTensorInfo t = info(name);
        return mapping.asSlice(dataOffset + t.begin(), t.byteSize());
    }

    /** A tensor view; the dtype must have a {@link TensorType} and no dimension may be 0. */
    public Tensor tensor(String name) {
        SafetensorsTensorInfo t = info(name);
        TensorType type = t.dtype().tensorType().orElseThrow(() -> FormatException.of(path, "tensor " + name + " dtype",
                t.dtype() + " has no tensor view; read it with bytes()"));
        if (t.elementCount() == 0) throw FormatException.of(path, "tensor " + name + " shape", "is empty; read it with bytes()");
        return new Tensor(name, type, Shape.of(t.shape()), bytes(name));
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
