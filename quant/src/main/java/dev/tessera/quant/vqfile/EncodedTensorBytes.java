package dev.tessera.quant.vqfile;

import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@link EncodedTensor} (GLVQ or PVQ) as a self-contained byte blob, so a file stores it as
 * one opaque tensor and a backend rebuilds it from the tensor's bytes alone. Little-endian:
 * <pre>
 * u32 magic "TVQ1", u32 type id, u32 rows, u32 cols, u32 header entries,
 * per entry (keys sorted): u16 key length, key (UTF-8), u8 kind (0 int, 1 long, 2 int[], 3 float[]),
 *   value (i32 | i64 | u32 count + i32s | u32 count + f32s),
 * u64 payload length, payload
 * </pre>
 */
public final class EncodedTensorBytes {
    private static final int MAGIC = 0x31515654; // "TVQ1"
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private EncodedTensorBytes() {}

    public static byte[] encode(EncodedTensor t) {
        Map<String, Object> sorted = new TreeMap<>(t.header());
        int size = 20 + 8 + t.data().length;
        for (var e : sorted.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 1;
            size += switch (e.getValue()) {
                case Integer i -> 4;
                case Long l -> 8;
                case int[] a -> 4 + 4 * a.length;
                case float[] a -> 4 + 4 * a.length;
                default -> throw new IllegalArgumentException("header field " + e.getKey() + ": unsupported value "
                        + e.getValue().getClass().getSimpleName());
            };
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(t.type().id()).putInt(t.rows()).putInt(t.cols()).putInt(sorted.size());
        for (var e : sorted.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) k.length).put(k);
            switch (e.getValue()) {
                case Integer i -> b.put((byte) 0).putInt(i);
                case Long l -> b.put((byte) 1).putLong(l);
                case int[] a -> {
                    b.put((byte) 2).putInt(a.length);
                    for (int v : a) b.putInt(v);
                }
                case float[] a -> {
                    b.put((byte) 3).putInt(a.length);
                    for (float v : a) b.putFloat(v);
                }
                default -> throw new IllegalStateException();
            }
        }
        b.putLong(t.data().length).put(t.data());
        return b.array();
    }

    /** Rebuilds the tensor from {@code bytes}; a malformed blob is an IllegalArgumentException naming the tensor. */
    public static EncodedTensor decode(String name, MemorySegment bytes) {
        if (bytes.byteSize() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor " + name + ": too large");
        ByteBuffer b = bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (b.getInt() != MAGIC) throw new IllegalArgumentException("tensor " + name + ": not a Tessera VQ tensor (bad magic)");
            int id = b.getInt();
            TensorType type = TensorType.byId(id).filter(t -> t == TensorType.GLVQ || t == TensorType.PVQ)
                    .orElseThrow(() -> new IllegalArgumentException("tensor " + name + ": type id " + id + " is not GLVQ or PVQ"));
            int rows = b.getInt();
            int cols = b.getInt();
            int n = b.getInt();
            Map<String, Object> header = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                byte[] k = new byte[b.getShort() & 0xFFFF];
                b.get(k);
                String key = new String(k, StandardCharsets.UTF_8);
                int kind = b.get();
                Object v = switch (kind) {
                    case 0 -> b.getInt();
                    case 1 -> b.getLong();
                    case 2 -> {
                        int[] a = new int[count(b, name)];
                        for (int j = 0; j < a.length; j++) a[j] = b.getInt();
                        yield a;
                    }
                    case 3 -> {
                        float[] a = new float[count(b, name)];
                        for (int j = 0; j < a.length; j++) a[j] = b.getFloat();
                        yield a;
                    }
                    default -> throw new IllegalArgumentException("tensor " + name + ": header field " + key + " has kind " + kind);
                };
                header.put(key, v);
            }
            long len = b.getLong();
            if (len != b.remaining()) throw new IllegalArgumentException("tensor " + name + ": payload of " + len + " bytes, " + b.remaining() + " stored");
            byte[] data = new byte[(int) len];
            b.get(data);
            return new EncodedTensor(type, rows, cols, header, data);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("tensor " + name + ": VQ header is truncated");
        }
    }

    private static int count(ByteBuffer b, String name) {
        int c = b.getInt();
        if (c < 0 || c > b.remaining() / 4) throw new IllegalArgumentException("tensor " + name + ": bad array length " + c);
        return c;
    }
}
