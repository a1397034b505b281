package dev.tessera.model.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.SharedData;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Non-GGUF inputs become the GGUF llama.cpp's converters make: a llama2.c checkpoint and a Hugging
 * Face folder written as F32 hold the same tensors (Q/K rows permuted back for HF) and the same
 * hyper-parameter and tokenizer keys as the GGUF files made from them by llama.cpp's tools.
 */
class ConvertedInputTest {
    @TempDir
    Path tmp;

    @Test
    void llama2cCheckpointMatchesItsGguf() throws Exception {
        Path bin = SharedData.require("test-models/llama2c/distill3M.bin");
        Path gguf = SharedData.require("test-models/gguf/distill3M.gguf");
        Path out = tmp.resolve("l.gguf");
        LlamaCppFilesTest.quantize(bin, "F32", out);
        try (GgufFile a = GgufFile.open(out); GgufFile b = GgufFile.open(gguf)) {
            assertSameTensors(b, a);
            for (String k : List.of("llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
                    "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.dimension_count",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id")) {
                assertEquals(b.metadata().integer(k), a.metadata().integer(k), k);
            }
            assertEquals(b.metadata().string("tokenizer.ggml.model"), a.metadata().string("tokenizer.ggml.model"));
            assertEquals(b.metadata().strings("tokenizer.ggml.tokens"), a.metadata().strings("tokenizer.ggml.tokens"));
            assertArrayEquals(b.metadata().floats("tokenizer.ggml.scores").orElseThrow(),
                    a.metadata().floats("tokenizer.ggml.scores").orElseThrow());
            assertArrayEquals(b.metadata().ints("tokenizer.ggml.token_type").orElseThrow(),
                    a.metadata().ints("tokenizer.ggml.token_type").orElseThrow());
        }
    }

    @Test
    void huggingFaceFolderMatchesLlamaCppsConversion() throws Exception {
        Path hf = SharedData.require("test-models/safetensors/stories260K-hf-f32");
        Path gguf = SharedData.require("test-models/gguf/stories260K.gguf");
        Path out = tmp.resolve("h.gguf");
        LlamaCppFilesTest.quantize(hf, "F32", out);
        try (GgufFile a = GgufFile.open(out); GgufFile b = GgufFile.open(gguf)) {
            // llama.cpp's llama2.c converter also wrote the tied output matrix; the HF folder ties it
            assertTrue(!a.hasTensor("output.weight"));
            for (GgufTensorInfo t : a.tensorInfos()) assertSameTensor(b, a, t.name());
            assertEquals(b.tensorCount() - 1, a.tensorCount());
        }
    }

    private static void assertSameTensors(GgufFile want, GgufFile got) {
        assertEquals(want.tensorCount(), got.tensorCount());
        for (GgufTensorInfo t : want.tensorInfos()) assertSameTensor(want, got, t.name());
    }

    private static void assertSameTensor(GgufFile want, GgufFile got, String name) {
        GgufTensorInfo w = want.tensorInfo(name), g = got.tensorInfo(name);
        assertEquals(w.type(), g.type(), name);
        assertEquals(w.shape(), g.shape(), name);
        assertArrayEquals(want.bytes(w).toArray(ValueLayout.JAVA_BYTE), got.bytes(g).toArray(ValueLayout.JAVA_BYTE), name);
    }
}
