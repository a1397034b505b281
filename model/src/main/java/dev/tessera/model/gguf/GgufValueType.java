package dev.tessera.model.gguf;

/** The value types of GGUF metadata, with their on-disk ids. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() { return id; }

    /** Bytes of one value, or -1 for variable-length types. */
    public int size() { return size; }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public static GgufValueType byId(int id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }
}
