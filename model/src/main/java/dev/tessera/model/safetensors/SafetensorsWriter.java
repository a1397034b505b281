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

    /**
     * Writes the tensors, in order, into shards {@code model-0000i-of-0000N.safetensors} of at most
     * {@code maxShardBytes} data each (a larger tensor gets a shard of its own), then
     * {@code model.safetensors.index.json}. Each shard carries the metadata. On failure the shards
     * already written are removed and no index is left.
     */
    public void writeSharded(Path dir, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("max shard size " + maxShardBytes + ": expected > 0");
        List<List<Entry>> shards = new ArrayList<>();
        long size = 0;
        for (Entry e : tensors.values()) {
            if (shards.isEmpty() || (size > 0 && size + e.data().byteSize() > maxShardBytes)) {
                shards.add(new ArrayList<>());
                size = 0;
            }
            shards.get(shards.size() - 1).add(e);
            size += e.data().byteSize();
        }
        if (shards.isEmpty()) shards.add(List.of());
        Map<String, Object> weightMap = new LinkedHashMap<>();
        long total = 0;
        List<Path> written = new ArrayList<>();
        boolean done = false;
        try {
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter w = new SafetensorsWriter();
                metadata.forEach(w::metadata);
                for (Entry e : shards.get(i)) {
                    w.tensors.put(e.name(), e);
                    weightMap.put(e.name(), name);
                    total += e.data().byteSize();
                }
                Path p = dir.resolve(name);
                w.write(p);
                written.add(p);
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("metadata", Map.of("total_size", total));
            index.put("weight_map", weightMap);
            byte[] json = Json.write(index).getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(dir.resolve(SafetensorsCheckpoint.INDEX), ch -> {
                ByteBuffer b = ByteBuffer.wrap(json);
                while (b.hasRemaining()) ch.write(b);
            });
            done = true;
        } finally {
            if (!done) for (Path p : written) java.nio.file.Files.deleteIfExists(p);
        }
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
