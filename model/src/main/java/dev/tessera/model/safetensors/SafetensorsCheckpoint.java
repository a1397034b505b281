package dev.tessera.model.safetensors;

import dev.tessera.model.FormatException;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import dev.tessera.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face checkpoint: one {@code model.safetensors} or the shards named by
 * {@code model.safetensors.index.json}'s {@code weight_map}, seen as one set of named tensors.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(Path source, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.source = source;
        this.files = files;
        this.byTensor = byTensor;
    }

    /**
     * Opens a folder (index if present, else {@code model.safetensors}, else its only
     * {@code .safetensors} file), an index file, or a single {@code .safetensors} file.
     */
    public static SafetensorsCheckpoint open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(INDEX))) return sharded(path.resolve(INDEX));
            if (Files.exists(path.resolve(SINGLE))) return single(path.resolve(SINGLE));
            List<Path> found;
            try (Stream<Path> s = Files.list(path)) {
                found = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            } catch (IOException e) {
                throw new FormatException(path + ": cannot list: " + e.getMessage(), e);
            }
            if (found.size() == 1) return single(found.get(0));
            throw new FormatException(path + ": expected " + INDEX + ", " + SINGLE + " or one .safetensors file, found "
                    + (found.isEmpty() ? "none" : found.size() + " .safetensors files and no index"));
        }
        if (path.getFileName().toString().endsWith(".json")) return sharded(path);
        return single(path);
    }

    private static SafetensorsCheckpoint single(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (SafetensorsTensorInfo t : f.tensorInfos()) by.put(t.name(), f);
        return new SafetensorsCheckpoint(file, List.of(f), Collections.unmodifiableMap(by));
    }

    private static SafetensorsCheckpoint sharded(Path index) {
        Map<String, Object> json;
        try {
            json = Json.parseObjectUniqueKeys(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new FormatException(index + ": no such file");
        } catch (IOException e) {
            throw new FormatException(index + ": cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw FormatException.of(index, "JSON", e.getMessage());
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> map)) {
            throw FormatException.of(index, "weight_map", "missing or not an object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String tensor = (String) e.getKey();
                if (!(e.getValue() instanceof String shard) || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                        || shard.equals("..") || shard.equals(".")) {
                    throw FormatException.of(index, "weight_map." + tensor, "expected a shard file name in the same folder, found "
                            + Json.write(e.getValue()));
                }
                SafetensorsFile f = shards.get(shard);
                if (f == null) {
                    f = SafetensorsFile.open(index.resolveSibling(shard));
                    shards.put(shard, f);
                }
                if (!f.hasTensor(tensor)) {
                    throw FormatException.of(index, "weight_map." + tensor, "shard " + shard + " has no such tensor");
                }
                by.put(tensor, f);
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(index, List.copyOf(shards.values()), Collections.unmodifiableMap(by));
    }

    /** The file or index this checkpoint was opened from. */
    public Path source() { return source; }

    /** The safetensors files, in first-use order. */
    public List<SafetensorsFile> files() { return files; }

    /** {@code __metadata__} of the first file. */
    public Map<String, String> metadata() { return files.isEmpty() ? Map.of() : files.get(0).metadata(); }

    /** Tensor names in header / weight_map order. */
    public List<String> tensorNames() { return List.copyOf(byTensor.keySet()); }

    public List<SafetensorsTensorInfo> tensorInfos() {
        List<SafetensorsTensorInfo> out = new ArrayList<>();
        byTensor.forEach((name, f) -> out.add(f.info(name)));
        return out;
    }

    public boolean hasTensor(String name) { return byTensor.containsKey(name); }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw FormatException.of(source, "tensor " + name, "missing");
        return f;
    }

    public SafetensorsTensorInfo info(String name) { return file(name).info(name); }

    public Tensor tensor(String name) { return file(name).tensor(name); }

    public MemorySegment bytes(String name) { return file(name).bytes(name); }

    /** Total bytes of all files. */
    public long totalFileSize() {
        long n = 0;
        for (SafetensorsFile f : files) n += f.fileSize();
        return n;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
