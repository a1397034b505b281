package dev.tessera.model.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.model.FormatException;
import dev.tessera.model.SharedData;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantizing the F32 originals reproduces the files llama.cpp's {@code llama-quantize} (build
 * 4748) made from them, byte for byte: metadata, tensor order, per-tensor type choice of the
 * mixes, fallbacks for rows that fit no K-quant block, and every tensor's bytes.
 */
class LlamaCppFilesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "distill3M.gguf, Q8_0, distill3M-Q8_0.gguf",
            "distill3M.gguf, Q4_0, distill3M-Q4_0.gguf",
            "distill3M.gguf, Q6_K, distill3M-Q6_K.gguf",
            "distill3M.gguf, Q4_K_M, distill3M-Q4_K_M.gguf",
            "distill3M.gguf, Q3_K_M, distill3M-Q3_K_M.gguf",
            "distill3M.gguf, Q2_K, distill3M-Q2_K.gguf",
            "stories260K.gguf, F16, stories260K-F16.gguf",
            // llama.cpp made these with Q6_K and Q4_K_S: rows of 64/172 fall back per tensor
            "stories260K.gguf, Q6_K, stories260K-Q8_0-fallback.gguf",
            "stories260K.gguf, Q4_K_S, stories260K-Q5_0-fallback.gguf",
    })
    void reproducesLlamaQuantize(String input, String type, String expected) throws Exception {
        Path in = SharedData.require("test-models/gguf/" + input);
        Path want = SharedData.require("test-models/gguf/" + expected);
        Path out = tmp.resolve("out.gguf");
        quantize(in, type, out);
        try (GgufFile a = GgufFile.open(out); GgufFile b = GgufFile.open(want)) {
            assertEquals(types(b), types(a), "per-tensor types and order");
            int same = 0;
            for (GgufTensorInfo t : b.tensorInfos()) {
                if (java.util.Arrays.equals(bytes(b, t), bytes(a, a.tensorInfo(t.name())))) same++;
            }
            assertEquals(b.tensorCount(), same, "tensors with identical bytes");
        }
        assertArrayEquals(Files.readAllBytes(want), Files.readAllBytes(out), "whole file");
    }

    @Test
    void rowsThatFitNoTypeAreRefusedAndLeaveNoFile() {
        // stories260K's ffn_down rows have 172 elements: Q8_0 has no fallback (llama-quantize fails too)
        Path in = SharedData.require("test-models/gguf/stories260K.gguf");
        Path out = tmp.resolve("never.gguf");
        var e = assertThrows(FormatException.class, () -> quantize(in, "Q8_0", out));
        assertEquals("tensor blk.0.ffn_down.weight: rows of 172 elements are not a multiple of the Q8_0 block of 32", e.getMessage());
        assertEquals(0, tmp.toFile().list().length, "no output or temporary file is left");
    }

    static void quantize(Path in, String type, Path out) throws Exception {
        var o = new ModelQuantizer.Options(QuantTarget.parse(type, 32, false), false, false, false, false, 2, null);
        try (QuantizeSource src = QuantizeSource.open(in)) {
            ModelQuantizer.run(src, o, out, (i, n, p) -> { });
        }
    }

    private static Map<String, String> types(GgufFile f) {
        Map<String, String> m = new LinkedHashMap<>();
        for (GgufTensorInfo t : f.tensorInfos()) m.put(t.name(), t.type().name());
        return m;
    }

    private static byte[] bytes(GgufFile f, GgufTensorInfo t) {
        return f.bytes(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
