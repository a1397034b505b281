package dev.tessera.model.quantize;

import dev.tessera.tensor.TensorType;
import java.util.Locale;
import java.util.Optional;

/**
 * llama.cpp's quantization presets ({@code LlamaFileType}): the id written to
 * {@code general.file_type} and the default type of the quantized matrices. The K-quant mixes
 * (_S/_M/_L) upgrade some tensors by name and layer position, see {@link MixRules}.
 */
public enum Preset {
    F32(0, TensorType.F32),
    F16(1, TensorType.F16),
    BF16(32, TensorType.BF16),
    Q4_0(2, TensorType.Q4_0),
    Q4_1(3, TensorType.Q4_1),
    Q5_0(8, TensorType.Q5_0),
    Q5_1(9, TensorType.Q5_1),
    Q8_0(7, TensorType.Q8_0),
    Q2_K(10, TensorType.Q2_K),
    Q2_K_S(21, TensorType.Q2_K),
    Q3_K_S(11, TensorType.Q3_K),
    Q3_K_M(12, TensorType.Q3_K),
    Q3_K_L(13, TensorType.Q3_K),
    Q4_K_S(14, TensorType.Q4_K),
    Q4_K_M(15, TensorType.Q4_K),
    Q5_K_S(16, TensorType.Q5_K),
    Q5_K_M(17, TensorType.Q5_K),
    Q6_K(18, TensorType.Q6_K);

    private final int fileType;
    private final TensorType defaultType;

    Preset(int fileType, TensorType defaultType) {
        this.fileType = fileType;
        this.defaultType = defaultType;
    }

    /** llama.cpp's {@code LlamaFileType} value, written as {@code general.file_type}. */
    public int fileType() { return fileType; }

    /** The type of a quantizable matrix before the mix rules look at it. */
    public TensorType defaultType() { return defaultType; }

    /** True when matrices are block-quantized (the mix rules apply). */
    public boolean quantized() { return defaultType.isQuantized(); }

    /** The preset named {@code s} (case-insensitive); Q3_K, Q4_K and Q5_K mean their _M mix, as in llama-quantize. */
    public static Optional<Preset> parse(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        switch (u) {
            case "Q3_K" -> u = "Q3_K_M";
            case "Q4_K" -> u = "Q4_K_M";
            case "Q5_K" -> u = "Q5_K_M";
            default -> { }
        }
        for (Preset p : values()) if (p.name().equals(u)) return Optional.of(p);
        return Optional.empty();
    }
}
