package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Re-quantizes the F32 originals with the reference quantizers and compares with the bytes
 * llama.cpp's llama-quantize wrote (no importance matrix was used for these files, so ggml took
 * its {@code quantize_row_*_ref} paths).
 */
class QuantizedFilesRequantizeTest {

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
    void reproducesLlamaCppBytes(String original, String quantized) {
        Path dir = QuantizedFilesDequantizeTest.shared();
        long blocks = 0, same = 0;
        StringBuilder report = new StringBuilder();
        try (GgufFile ref = GgufFile.open(dir.resolve(original)); GgufFile q = GgufFile.open(dir.resolve(quantized))) {
            for (GgufTensorInfo info : q.tensorInfos()) {
                if (info.type() == TensorType.F32) continue;
                Tensor expected = q.tensor(info.name());
                float[] x = Dequantizer.dequantize(ref.tensor(info.name()));
                MemorySegment ours = Quantizer.quantize(info.type(), x, (int) expected.cols(), null);
                int bb = info.type().blockBytes();
                long n = expected.data().byteSize() / bb, ok = 0;
                for (long b = 0; b < n; b++) {
                    if (MemorySegment.mismatch(ours, b * bb, (b + 1) * bb, expected.data(), b * bb, (b + 1) * bb) < 0) ok++;
                }
                if (ok != n) report.append(String.format("%n  %s %s: %d of %d blocks differ", info.name(), info.type(), n - ok, n));
                blocks += n;
                same += ok;
            }
        }
        System.out.printf("%s: %d of %d blocks identical%s%n", quantized, same, blocks, report);
        assertTrue(blocks > 0);
        assertEquals(blocks, same, quantized + ": blocks that differ from llama.cpp's" + report);
    }
}
