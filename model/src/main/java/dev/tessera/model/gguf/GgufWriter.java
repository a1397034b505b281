package dev.tessera.model.gguf;

import dev.tessera.model.io.AtomicFile;
import dev.tessera.model.io.ByteSource;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF file: metadata in insertion order, then the tensor table, then each tensor's
 * bytes padded with zeros to the alignment ({@code general.alignment} if set, else 32), the
 * same layout llama.cpp and gguf-py write. Offsets are the running sum of the padded sizes.
 * {@link #write} goes through a temporary file, so a failure leaves no partial file.
 */
public final class GgufWriter {
    /** ggml's GGML_MAX_NAME: tensor names must be shorter. */
    public static final int MAX_NAME = 64;
    private int version = 3;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();

    private record Entry(String name, TensorType type, Shape shape, ByteSource data) {}

    /** GGUF version 2 or 3 (same layout); 3 by default. */
    public GgufWriter version(int v) {
        if (v != 2 && v != 3) throw new IllegalArgumentException("GGUF version: expected 2 or 3, found " + v);
        version = v;
        return this;
    }

    /** Sets a key; a key set twice keeps its first position and the last value. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        checkValue(key, value, 0);
        metadata.put(key, value);
        return this;
    }

    /** Copies every key of {@code md} in its order. */
    public GgufWriter putAll(Metadata md) {
        md.asMap().forEach(this::put);
        return this;
    }

    /** Adds a tensor whose bytes are the view's segment. */
    public GgufWriter tensor(Tensor t) {
        return tensor(t.name(), t.type(), t.shape(), ByteSource.of(t.data()));
    }

    /** Adds a tensor; {@code data} must hold exactly {@code type.bytesFor(shape.size())} bytes. */
    public GgufWriter tensor(String name, TensorType type, Shape shape, ByteSource data) {
        Objects.requireNonNull(name, "name");
        if (!type.isGgml()) throw new IllegalArgumentException("tensor " + name + ": " + type + " has no ggml type id; GGUF cannot hold it");
        if (shape.rank() < 1 || shape.rank() > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor " + name + ": rank " + shape.rank() + ", expected 1.." + GgufFile.MAX_DIMS);
        }
        if (shape.cols() % type.blockLength() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": row length " + shape.cols() + " is not a multiple of the "
                    + type + " block length " + type.blockLength());
        }
        long need = type.bytesFor(shape.size());
        if (data.byteSize() != need) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + shape + " needs " + need + " bytes, source has " + data.byteSize());
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= MAX_NAME) {
            throw new IllegalArgumentException("tensor " + name + ": name is " + name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    + " bytes, llama.cpp reads at most " + (MAX_NAME - 1));
        }
        if (!names.add(name)) throw new IllegalArgumentException("tensor " + name + ": duplicate tensor name");
        tensors.add(new Entry(name, type, shape, data));
        return this;
    }

    private int alignment() {
        GgufValue v = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (v == null) return GgufFile.DEFAULT_ALIGNMENT;
        if (!v.type().isInteger()) throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + ": expected an integer, found " + v.type());
        long a = ((Number) v.value()).longValue();
        if (a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + ": expected a power of two up to 2^20, found " + a);
        }
        return (int) a;
    }

    /** Writes the file through a temporary sibling renamed into place. */
    public void write(Path out) throws IOException {
        int alignment = alignment();
        byte[] header = header(alignment);
        AtomicFile.write(out, ch -> {
            writeFully(ch, ByteBuffer.wrap(header));
            long pos = header.length;
            if (!tensors.isEmpty()) pos = pad(ch, pos, alignment);
            for (Entry t : tensors) {
                long before = pos;
                t.data().writeTo(ch);
                pos += t.data().byteSize();
                if (ch.position() != pos) {
                    throw new IOException("tensor " + t.name() + ": source wrote " + (ch.position() - before) + " bytes, expected " + t.data().byteSize());
                }
                pos = pad(ch, pos, alignment);
            }
        });
    }

    private byte[] header(int alignment) {
        Out o = new Out();
        o.i32(GgufFile.MAGIC);
        o.i32(version);
        o.i64(tensors.size());
        o.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            o.string(e.getKey());
            o.i32(e.getValue().type().id());
            value(o, e.getValue().type(), e.getValue().elementType(), e.getValue().value());
        }
        long offset = 0;
        for (Entry t : tensors) {
            o.string(t.name());
            long[] ne = t.shape().toGguf();
            o.i32(ne.length);
            for (long d : ne) o.i64(d);
            o.i32(t.type().id());
            o.i64(offset);
            offset = GgufFile.align(offset + t.data().byteSize(), alignment);
        }
        return o.toByteArray();
    }

    private static void value(Out o, GgufValueType type, GgufValueType elementType, Object v) {
        switch (type) {
            case UINT8, INT8, BOOL -> o.write(type == GgufValueType.BOOL ? ((Boolean) v ? 1 : 0) : ((Number) v).intValue());
            case UINT16, INT16 -> {
                int s = ((Number) v).intValue();
                o.write(s);
                o.write(s >>> 8);
            }
            case UINT32, INT32 -> o.i32(((Number) v).intValue());
            case UINT64, INT64 -> o.i64(((Number) v).longValue());
            case FLOAT32 -> o.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> o.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> o.string((String) v);
            case ARRAY -> {
                List<?> items = (List<?>) v;
                o.i32(elementType.id());
                o.i64(items.size());
                for (Object item : items) {
                    if (elementType == GgufValueType.ARRAY) {
                        GgufValue inner = (GgufValue) item;
                        value(o, GgufValueType.ARRAY, inner.elementType(), inner.value());
                    } else {
                        value(o, elementType, null, item);
                    }
                }
            }
        }
    }

    /** Rejects values whose Java representation does not fit the declared type, naming the key. */
    private static void checkValue(String key, GgufValue v, int depth) {
        Objects.requireNonNull(v, key);
        if (v.type() == GgufValueType.ARRAY) {
            if (depth >= 8) throw new IllegalArgumentException(key + ": arrays nested deeper than 8");
            if (!(v.value() instanceof List<?> items)) throw new IllegalArgumentException(key + ": expected a List for an ARRAY value");
            for (Object item : items) {
                if (v.elementType() == GgufValueType.ARRAY) {
                    if (!(item instanceof GgufValue inner) || inner.type() != GgufValueType.ARRAY) {
                        throw new IllegalArgumentException(key + ": expected GgufValue arrays as elements of an array of arrays");
                    }
                    checkValue(key, inner, depth + 1);
                } else {
                    checkScalar(key, v.elementType(), item);
                }
            }
        } else {
            checkScalar(key, v.type(), v.value());
        }
    }

    private static void checkScalar(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case UINT8 -> inRange(v, 0, 0xff);
            case INT8 -> inRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> inRange(v, 0, 0xffff);
            case INT16 -> inRange(v, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> inRange(v, 0, 0xffffffffL);
            case INT32 -> inRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT64, INT64 -> v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
            case FLOAT32, FLOAT64 -> v instanceof Number;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> false;
        };
        if (!ok) throw new IllegalArgumentException(key + ": " + v + " is not a valid " + type + " value");
    }

    private static boolean inRange(Object v, long min, long max) {
        if (!(v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)) return false;
        long x = ((Number) v).longValue();
        return x >= min && x <= max;
    }

    private static long pad(WritableByteChannel ch, long pos, int alignment) throws IOException {
        long target = GgufFile.align(pos, alignment);
        if (target > pos) writeFully(ch, ByteBuffer.allocate((int) (target - pos)));
        return target;
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Little-endian header bytes. */
    private static final class Out extends ByteArrayOutputStream {
        Out() { super(1 << 16); }

        void i32(int v) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
            write(b.array(), 0, 4);
        }

        void i64(long v) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
            write(b.array(), 0, 8);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }
    }
}
