package dev.tessera.model.safetensors;

import dev.tessera.model.io.AtomicFile;
import dev.tessera.model.io.ByteSource;
import dev.tessera.model.json.Json;
import dev.tessera.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds one safetensors file: the tensors' bytes back to back in insertion order, a JSON header
 * padded with spaces to a multiple of 8 (as the reference writer does), {@code __metadata__} first
 * when set. {@link #write} goes through a temporary file, so a failure leaves no partial file.
 */
public final class SafetensorsWriter {
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    private record Entry(String name, SafetensorsDtype dtype, long[] shape, ByteSource data) {}

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Adds a tensor view; its type must have a safetensors dtype. */
    public SafetensorsWriter tensor(Tensor t) {
        return tensor(t.name(), SafetensorsDtype.of(t.type()), t.shape().dims(), ByteSource.of(t.data()));
    }

    /** Adds a tensor of any dtype; {@code data} must hold exactly dtype × shape bytes. */
    public SafetensorsWriter tensor(String name, SafetensorsDtype dtype, long[] shape, ByteSource data) {
        if (name.equals(SafetensorsFile.METADATA_KEY)) throw new IllegalArgumentException("tensor name " + name + " is reserved");
        long bits = dtype.bits();
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension " + d);
            bits = Math.multiplyExact(bits, d);
        }
        if (bits % 8 != 0 || bits / 8 != data.byteSize()) {
            throw new IllegalArgumentException("tensor " + name + ": " + dtype + " " + java.util.Arrays.toString(shape) + " needs "
                    + bits + " bits, source has " + data.byteSize() + " bytes");
        }
        if (tensors.putIfAbsent(name, new Entry(name, dtype, shape.clone(), data)) != null) {
            throw new IllegalArgumentException("tensor " + name + ": duplicate tensor name");
        }
        return this;
    }

    /** The header JSON, unpadded. */
    private String header() {
        Map<String, Object> h = new LinkedHashMap<>();
        if (!metadata.isEmpty()) h.put(SafetensorsFile.METADATA_KEY, metadata);
        long offset = 0;
        for (Entry e : tensors.values()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", e.dtype().name());
            List<Long> shape = new ArrayList<>();
            for (long d : e.shape()) shape.add(d);
            t.put("shape", shape);
            t.put("data_offsets", List.of(offset, offset + e.data().byteSize()));
            offset += e.data().byteSize();
            h.put(e.name(), t);
        }
        return Json.write(h);
    }

    public void write(Path out) throws IOException {
        byte[] json = header().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFile.write(out, ch -> {
            while (head.hasRemaining()) ch.write(head);
            long pos = head.limit();
            for (Entry e : tensors.values()) {
                e.data().writeTo(ch);
                pos += e.data().byteSize();
                if (ch.position() != pos) throw new IOException("tensor " + e.name() + ": source wrote the wrong number of bytes");
            }
        });
    }
}
