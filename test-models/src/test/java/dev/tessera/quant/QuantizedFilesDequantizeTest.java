package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dequantizes every tensor of the llama.cpp-quantized test models and compares it with the same
 * tensor of the F32 original: a layout bug (wrong nibble order, scale packing, sub-block mapping)
 * shows up as an error far above the type's quantization noise.
 */
class QuantizedFilesDequantizeTest {

    /**
     * Relative RMS error bounds per type. Worst tensor measured on these files: F16 0.00021,
     * Q8_0 0.0062, Q6_K 0.018, Q5_K 0.036, Q5_1 0.042, Q5_0 0.047, Q4_K 0.073, Q4_0 0.096,
     * Q3_K 0.152, Q2_K 0.300 (in line with the SNRs of quant-formats.md section 8). A layout bug
     * gives errors near 1.
     */
    private static final Map<TensorType, Double> BOUND = new EnumMap<>(Map.of(
            TensorType.F16, 0.0005,
            TensorType.Q8_0, 0.01,
            TensorType.Q6_K, 0.025,
            TensorType.Q5_K, 0.05,
            TensorType.Q5_1, 0.06,
            TensorType.Q5_0, 0.065,
            TensorType.Q4_K, 0.1,
            TensorType.Q4_0, 0.13,
            TensorType.Q3_K, 0.2,
            TensorType.Q2_K, 0.36));

    static Path shared() {
        String dir = System.getProperty("tessera.shared");
        Path p = dir == null ? null : Path.of(dir, "test-models", "gguf");
        Assumptions.assumeTrue(p != null && Files.isDirectory(p),
                "shared test models not found (system property tessera.shared=" + dir + "); skipping");
        return p;
    }

    @ParameterizedTest
    @CsvSource({
        "distill3M.gguf, distill3M-Q8_0.gguf",
        "distill3M.gguf, distill3M-Q6_K.gguf",
        "distill3M.gguf, distill3M-Q4_K_M.gguf",
        "distill3M.gguf, distill3M-Q4_0.gguf",
        "distill3M.gguf, distill3M-Q3_K_M.gguf",
        "distill3M.gguf, distill3M-Q2_K.gguf",
        "stories260K.gguf, stories260K-F16.gguf",
        "stories260K.gguf, stories260K-Q8_0-fallback.gguf",
        "stories260K.gguf, stories260K-Q5_0-fallback.gguf",
        "stories260K.gguf, stories260K-Q4_0-fallback.gguf",
    })
    void quantizedTensorsMatchTheF32Original(String original, String quantized) {
        Path dir = shared();
        int checked = 0;
        try (GgufFile ref = GgufFile.open(dir.resolve(original)); GgufFile q = GgufFile.open(dir.resolve(quantized))) {
            assertEquals(ref.tensorInfos().size(), q.tensorInfos().size(), "tensor count");
            for (GgufTensorInfo info : q.tensorInfos()) {
                float[] expected = Dequantizer.dequantize(ref.tensor(info.name()));
                float[] actual = Dequantizer.dequantize(q.tensor(info.name()));
                assertEquals(expected.length, actual.length, info.name());
                double err = 0, energy = 0;
                for (int i = 0; i < expected.length; i++) {
                    double diff = actual[i] - expected[i];
                    err += diff * diff;
                    energy += (double) expected[i] * expected[i];
                }
                double rel = Math.sqrt(err / energy);
                if (info.type() == TensorType.F32) {
                    assertEquals(0.0, rel, info.name() + " is F32 in both files");
                } else {
                    Double bound = BOUND.get(info.type());
                    assertTrue(bound != null, "no bound for " + info.type());
                    assertTrue(rel < bound, quantized + " " + info.name() + " (" + info.type()
                            + "): relative RMS error " + rel + " exceeds " + bound);
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, "no quantized tensors in " + quantized);
    }
}
