package dev.tessera.model.gguf;

import dev.tessera.model.FormatException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** GGUF key/value metadata in file order, with typed getters that fail with the key's name. */
public final class Metadata {
    private final Path file;
    private final Map<String, GgufValue> values;

    public Metadata(Path file, Map<String, GgufValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, GgufValue> asMap() { return values; }

    public boolean contains(String key) { return values.containsKey(key); }

    public Optional<GgufValue> get(String key) { return Optional.ofNullable(values.get(key)); }

    private GgufValue require(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw FormatException.of(file, key, "missing");
        return v;
    }

    public Optional<String> string(String key) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GgufValueType.STRING) throw FormatException.of(file, key, "expected a string, found " + v.type());
        return Optional.of((String) v.value());
    }

    public String requireString(String key) {
        return string(key).orElseThrow(() -> FormatException.of(file, key, "missing"));
    }

    public Optional<Long> integer(String key) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (!v.type().isInteger()) throw FormatException.of(file, key, "expected an integer, found " + v.type());
        return Optional.of((Long) v.value());
    }

    public long requireInteger(String key) { return integer(key).orElseThrow(() -> FormatException.of(file, key, "missing")); }

    /** An integer that must fit an int and be at least {@code min}. */
    public int requireInt(String key, int min) {
        long v = requireInteger(key);
        if (v < min || v > Integer.MAX_VALUE) throw FormatException.of(file, key, "expected an integer >= " + min + ", found " + v);
        return (int) v;
    }

    public Optional<Double> number(String key) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        return Optional.of(switch (v.type()) {
            case FLOAT32 -> ((Float) v.value()).doubleValue();
            case FLOAT64 -> (Double) v.value();
            default -> {
                if (v.type().isInteger()) yield ((Long) v.value()).doubleValue();
                throw FormatException.of(file, key, "expected a number, found " + v.type());
            }
        });
    }

    public Optional<Boolean> bool(String key) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GgufValueType.BOOL) throw FormatException.of(file, key, "expected a bool, found " + v.type());
        return Optional.of((Boolean) v.value());
    }

    /** An array value; {@code elementType} null accepts any element type. */
    public Optional<List<?>> array(String key, GgufValueType elementType) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GgufValueType.ARRAY) throw FormatException.of(file, key, "expected an array, found " + v.type());
        if (elementType != null && v.elementType() != elementType) {
            throw FormatException.of(file, key, "expected an array of " + elementType + ", found " + v.elementType());
        }
        return Optional.of(v.asList());
    }

    @SuppressWarnings("unchecked")
    public Optional<List<String>> strings(String key) {
        return array(key, GgufValueType.STRING).map(l -> (List<String>) l);
    }

    /** A numeric array as floats. */
    public Optional<float[]> floats(String key) {
        return array(key, null).map(l -> {
            float[] out = new float[l.size()];
            for (int i = 0; i < out.length; i++) {
                Object o = l.get(i);
                if (!(o instanceof Number n)) throw FormatException.of(file, key, "expected numbers");
                out[i] = n.floatValue();
            }
            return out;
        });
    }

    /** An integer array as ints. */
    public Optional<int[]> ints(String key) {
        return array(key, null).map(l -> {
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) {
                Object o = l.get(i);
                if (!(o instanceof Long n)) throw FormatException.of(file, key, "expected integers");
                out[i] = (int) (long) n;
            }
            return out;
        });
    }

    public int size() { return values.size(); }
}
