package dev.tessera.model.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes of one tensor for a writer: either a segment that is already in memory (a tensor
 * view, a mapped file region, a heap array) or a producer that streams them (a quantizer
 * writing row by row), so a writer never has to hold a whole model on the heap.
 */
public interface ByteSource {
    /** Exact number of bytes {@link #writeTo} writes. */
    long byteSize();

    /** Writes exactly {@link #byteSize()} bytes. */
    void writeTo(WritableByteChannel out) throws IOException;

    /** The bytes of {@code segment} (heap or native), copied out in bounded chunks. */
    static ByteSource of(MemorySegment segment) {
        return new ByteSource() {
            @Override
            public long byteSize() { return segment.byteSize(); }

            @Override
            public void writeTo(WritableByteChannel out) throws IOException { copy(segment, out); }
        };
    }

    /** Writes {@code segment} to {@code out} through a 1 MiB native buffer. */
    static void copy(MemorySegment segment, WritableByteChannel out) throws IOException {
        long chunk = 1 << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.min(chunk, Math.max(1, segment.byteSize())));
            for (long off = 0; off < segment.byteSize(); off += chunk) {
                long n = Math.min(chunk, segment.byteSize() - off);
                MemorySegment.copy(segment, off, buf, 0, n);
                ByteBuffer bb = buf.asSlice(0, n).asByteBuffer();
                while (bb.hasRemaining()) out.write(bb);
            }
        }
    }
}
