package dev.tessera.quant;

import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Test vectors produced by gguf-py (an independent implementation of the block formats), see
 * {@code src/test/python/make_ggufpy_vectors.py}. {@code floats} and {@code bytes} describe the
 * same {@code n} elements.
 */
record OracleVectors(int n, float[] floats, MemorySegment bytes) {

    /** Random blocks and gguf-py's decoding of them. */
    static OracleVectors dequant(TensorType type) {
        ByteBuffer b = load(type + ".dequant");
        int n = b.getInt();
        MemorySegment bytes = take(b, type.bytesFor(n));
        return new OracleVectors(n, floats(b, n), bytes);
    }

    /** Float inputs and gguf-py's quantization of them. */
    static OracleVectors quant(TensorType type) {
        ByteBuffer b = load(type + ".quant");
        int n = b.getInt();
        float[] x = floats(b, n);
        return new OracleVectors(n, x, take(b, type.bytesFor(n)));
    }

    private static ByteBuffer load(String name) {
        try (InputStream in = OracleVectors.class.getResourceAsStream("ggufpy/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource ggufpy/" + name);
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = b.getFloat();
        return f;
    }

    private static MemorySegment take(ByteBuffer b, long size) {
        byte[] raw = new byte[(int) size];
        b.get(raw);
        return MemorySegment.ofArray(raw);
    }
}
