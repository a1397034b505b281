package dev.tessera.model.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Little-endian bytes written field by field, so tests can build malformed files the writer refuses to make. */
final class RawBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawBytes u8(int v) { out.write(v); return this; }

    RawBytes u32(long v) { return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array()); }

    RawBytes u64(long v) { return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }

    RawBytes put(byte[] b) { out.write(b, 0, b.length); return this; }

    RawBytes str(String s) { return str(s.getBytes(StandardCharsets.UTF_8)); }

    RawBytes str(byte[] b) { return u64(b.length).put(b); }

    RawBytes zeros(int n) { return put(new byte[n]); }

    /** Pads with zeros to a multiple of {@code a}. */
    RawBytes align(int a) {
        while (out.size() % a != 0) out.write(0);
        return this;
    }

    /** GGUF v3 header start: magic, version, counts. */
    static RawBytes gguf(long tensors, long kvs) {
        return new RawBytes().u32(GgufFile.MAGIC).u32(3).u64(tensors).u64(kvs);
    }

    /** One tensor info: name, dims (innermost first), type id, offset. */
    RawBytes tensor(String name, long[] ne, int type, long offset) {
        str(name).u32(ne.length);
        for (long d : ne) u64(d);
        return u32(type).u64(offset);
    }

    byte[] bytes() { return out.toByteArray(); }

    MemorySegment segment() { return MemorySegment.ofArray(bytes()); }
}
