package dev.tessera.tensor;

import java.util.Optional;

/**
 * Every element and block type Tessera knows, with its GGUF id, the number of elements in one
 * block and the bytes one block takes. The GGUF types keep ggml's ids; the project's own types
 * live at {@link #PROJECT_ID_BASE} and above, a range ggml does not use (its table ends at 42).
 *
 * <p>Types whose block is described by per-tensor metadata (GLVQ, PVQ) report a block length of
 * their group size and {@code blockBytes() == VARIABLE}: their row size comes from the tensor's
 * own header, not from this table.
 */
public enum TensorType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, true),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, true),
    I8(24, 1, 1, true),
    I16(25, 1, 2, true),
    I32(26, 1, 4, true),
    I64(27, 1, 8, true),
    F64(28, 1, 8, true),
    BF16(30, 1, 2, true),

    // ---- Tessera's own types (ids >= PROJECT_ID_BASE); see quant-formats.md section 5 ----
    /** Symmetric int8, groups of 32: FP16 scale + 32 signed bytes (same block as Q8_0). */
    INT8_G32(1024, 32, 34, false),
    /** Symmetric int8, groups of 64: FP16 scale + 64 signed bytes. */
    INT8_G64(1025, 64, 66, false),
    /** Symmetric int8, groups of 128: FP16 scale + 128 signed bytes. */
    INT8_G128(1026, 128, 130, false),
    /**
     * Symmetric int4 (offset 8), groups of 32: FP16 scale + 16 bytes of nibbles. All INT4 types
     * store codes per run of 32 elements in Q4_0's nibble order (element j low, j + 16 high).
     */
    INT4_G32(1027, 32, 18, false),
    /** Symmetric int4 (offset 8), groups of 64. */
    INT4_G64(1028, 64, 34, false),
    /** Symmetric int4 (offset 8), groups of 128. */
    INT4_G128(1029, 128, 66, false),
    /** Asymmetric int4 (scale + min), groups of 32: FP16 scale, FP16 min, 16 bytes of nibbles. */
    INT4A_G32(1030, 32, 20, false),
    /** Asymmetric int4 (scale + min), groups of 64. */
    INT4A_G64(1031, 64, 36, false),
    /** Asymmetric int4 (scale + min), groups of 128. */
    INT4A_G128(1032, 128, 68, false),
    /** Grouped lattice VQ: layout in the tensor's own header (vector-quantization.md A.7). */
    GLVQ(1040, 128, TensorType.VARIABLE, false),
    /** Pyramid VQ: layout in the tensor's own header (vector-quantization.md B.7). */
    PVQ(1041, 16, TensorType.VARIABLE, false);

    /** First id of Tessera's own types; ggml's ids stay below it. */
    public static final int PROJECT_ID_BASE = 1024;
    /** Marker for types whose bytes per block come from per-tensor metadata. */
    public static final int VARIABLE = -1;

    private static final TensorType[] BY_ID = new TensorType[2048];

    static {
        for (TensorType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockLength;
    private final int blockBytes;
    private final boolean ggml;

    TensorType(int id, int blockLength, int blockBytes, boolean ggml) {
        this.id = id;
        this.blockLength = blockLength;
        this.blockBytes = blockBytes;
        this.ggml = ggml;
    }

    /** The GGUF/ggml type id (or Tessera's own id for project types). */
    public int id() { return id; }

    /** Elements per block (1 for plain element types). */
    public int blockLength() { return blockLength; }

    /** Bytes per block, or {@link #VARIABLE}. */
    public int blockBytes() { return blockBytes; }

    /** True for types defined by ggml and readable by llama.cpp. */
    public boolean isGgml() { return ggml; }

    /** True for types with a fixed block layout. */
    public boolean hasFixedBlocks() { return blockBytes != VARIABLE; }

    /** True for block-quantized types (blocks of more than one element). */
    public boolean isQuantized() { return blockLength > 1; }

    /** Bits per weight including block scales (fixed-block types only). */
    public double bitsPerWeight() {
        if (!hasFixedBlocks()) throw new IllegalStateException(this + " has a per-tensor layout");
        return blockBytes * 8.0 / blockLength;
    }

    /**
     * Bytes taken by {@code elements} elements of this type.
     *
     * @throws IllegalArgumentException if {@code elements} is not a whole number of blocks
     * @throws ArithmeticException on overflow
     */
    public long bytesFor(long elements) {
        if (!hasFixedBlocks()) throw new IllegalStateException(this + " has a per-tensor layout");
        if (elements < 0 || elements % blockLength != 0) {
            throw new IllegalArgumentException(elements + " elements is not a whole number of " + this
                    + " blocks of " + blockLength);
        }
        return Math.multiplyExact(elements / blockLength, (long) blockBytes);
    }

    /** The type with this id, if any. */
    public static Optional<TensorType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }
}
