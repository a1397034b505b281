package dev.tessera.quant.vq;

import dev.tessera.tensor.TensorType;
import java.util.Map;

/**
 * A weight matrix encoded by a {@link VqQuantizer}: the per-tensor header (small values and
 * arrays that a GGUF writer stores as tensor metadata, keys prefixed with the format name) and
 * the row-major payload. The formats are documented on {@code PvqFormat} and {@code GlvqFormat}.
 *
 * @param type {@link TensorType#PVQ} or {@link TensorType#GLVQ}
 * @param rows output rows (m)
 * @param cols input columns (n)
 * @param header metadata values: {@code Integer}, {@code Long}, {@code int[]} or {@code float[]}
 * @param data payload, {@code rows × rowBytes}
 */
public record EncodedTensor(TensorType type, int rows, int cols, Map<String, Object> header, byte[] data) {
    public EncodedTensor {
        header = Map.copyOf(header);
    }

    public int intValue(String key) {
        return ((Number) require(key)).intValue();
    }

    public long longValue(String key) {
        return ((Number) require(key)).longValue();
    }

    public int[] ints(String key) {
        return (int[]) require(key);
    }

    public float[] floats(String key) {
        return (float[]) require(key);
    }

    private Object require(String key) {
        Object v = header.get(key);
        if (v == null) throw new IllegalArgumentException(type + " tensor header lacks field '" + key + "'");
        return v;
    }

    /**
     * Stored bits per weight: payload plus header arrays (ints and floats counted at the width the
     * on-disk format gives them: {@code headerBits}, supplied by the format).
     */
    public double bitsPerWeight(long headerBits) {
        return (data.length * 8.0 + headerBits) / ((double) rows * cols);
    }
}
