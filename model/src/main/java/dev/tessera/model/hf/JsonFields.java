package dev.tessera.model.hf;

import dev.tessera.model.FormatException;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Typed reads of one JSON object from a file, failing with one line naming the file, the field
 * and what was expected. {@code prefix} qualifies field names of nested objects in messages.
 */
public record JsonFields(Path file, String prefix, Map<String, Object> json) {
    /** Reads and parses {@code file}, which must hold a JSON object. */
    public static JsonFields read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new FormatException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw FormatException.of(file, "content", "is not valid UTF-8");
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            return new JsonFields(file, "", Json.parseObject(text));
        } catch (JsonException e) {
            throw FormatException.of(file, "JSON", e.getMessage());
        }
    }

    private String name(String key) { return prefix + key; }

    private FormatException bad(String key, String expected, Object found) {
        return FormatException.of(file, name(key), "expected " + expected + ", found " + Json.write(found));
    }

    public boolean has(String key) { return json.get(key) != null; }

    /** The nested object {@code key}, if present. */
    @SuppressWarnings("unchecked")
    public Optional<JsonFields> object(String key) {
        Object v = json.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof Map<?, ?>)) throw bad(key, "an object", v);
        return Optional.of(new JsonFields(file, name(key) + ".", (Map<String, Object>) v));
    }

    public Optional<String> string(String key) {
        Object v = json.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s)) throw bad(key, "a string", v);
        return Optional.of(s);
    }

    public OptionalInt integer(String key) {
        Object v = json.get(key);
        if (v == null) return OptionalInt.empty();
        if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw bad(key, "a 32-bit integer", v);
        return OptionalInt.of((int) (long) l);
    }

    /** A required integer of at least 1. */
    public int requirePositive(String key) {
        Object v = json.get(key);
        if (v == null) throw FormatException.of(file, name(key), "missing a required field (expected a positive integer)");
        if (!(v instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) throw bad(key, "a positive integer", v);
        return (int) (long) l;
    }

    /** An optional integer of at least 1. */
    public OptionalInt positive(String key) {
        return has(key) ? OptionalInt.of(requirePositive(key)) : OptionalInt.empty();
    }

    public OptionalDouble number(String key) {
        Object v = json.get(key);
        if (v == null) return OptionalDouble.empty();
        if (!(v instanceof Number n)) throw bad(key, "a number", v);
        return OptionalDouble.of(n.doubleValue());
    }

    public Optional<Boolean> bool(String key) {
        Object v = json.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof Boolean b)) throw bad(key, "true or false", v);
        return Optional.of(b);
    }

    /** An integer or a list of integers (as HF writes {@code eos_token_id}); empty if absent. */
    public List<Integer> integers(String key) {
        Object v = json.get(key);
        if (v == null) return List.of();
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        List<Integer> out = new ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw bad(key, "an integer or a list of integers", v);
            out.add((int) (long) l);
        }
        return List.copyOf(out);
    }

    /** A list of strings; empty if absent. */
    public List<String> strings(String key) {
        Object v = json.get(key);
        if (v == null) return List.of();
        if (!(v instanceof List<?> l)) throw bad(key, "a list of strings", v);
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw bad(key, "a list of strings", v);
            out.add(s);
        }
        return List.copyOf(out);
    }
}
