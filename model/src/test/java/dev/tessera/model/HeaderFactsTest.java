package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.model.gguf.Metadata;
import dev.tessera.model.llama2c.Llama2cCheckpoint;
import dev.tessera.model.llama2c.Llama2cConfig;
import dev.tessera.model.safetensors.SafetensorsCheckpoint;
import dev.tessera.model.safetensors.SafetensorsTensorInfo;
import dev.tessera.model.testing.SharedData;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shared test file opened and checked against the facts stated in test-models/PROVENANCE.md. */
class HeaderFactsTest {
    private static Map<TensorType, Integer> histogram(GgufFile f) {
        Map<TensorType, Integer> h = new TreeMap<>();
        for (GgufTensorInfo t : f.tensorInfos()) h.merge(t.type(), 1, Integer::sum);
        return h;
    }

    /** Tensors follow each other in file order, each padded to the alignment, and fill the file. */
    private static void assertPacked(GgufFile f) {
        long next = 0;
        for (GgufTensorInfo t : f.tensorInfos()) {
            assertEquals(next, t.offset(), t.name());
            next = (t.offset() + t.byteSize() + f.alignment() - 1) / f.alignment() * f.alignment();
        }
        assertEquals(f.fileSize(), f.dataOffset() + next);
    }

    private static void assertLlamaKeys(Metadata md, int ctx, int dim, int ff, int blocks, int heads, int kv, int ropeDim) {
        assertEquals("llama", md.requireString("general.architecture"));
        assertEquals(ctx, md.requireInteger("llama.context_length"));
        assertEquals(dim, md.requireInteger("llama.embedding_length"));
        assertEquals(ff, md.requireInteger("llama.feed_forward_length"));
        assertEquals(blocks, md.requireInteger("llama.block_count"));
        assertEquals(heads, md.requireInteger("llama.attention.head_count"));
        assertEquals(kv, md.requireInteger("llama.attention.head_count_kv"));
        assertEquals(ropeDim, md.requireInteger("llama.rope.dimension_count"));
        assertEquals(1e-5, md.number("llama.attention.layer_norm_rms_epsilon").orElseThrow(), 1e-12);
        assertEquals("llama", md.requireString("tokenizer.ggml.model"));
        assertEquals(512, md.strings("tokenizer.ggml.tokens").orElseThrow().size());
        assertEquals(512, md.floats("tokenizer.ggml.scores").orElseThrow().length);
        assertEquals(1, md.requireInteger("tokenizer.ggml.bos_token_id"));
        assertEquals(2, md.requireInteger("tokenizer.ggml.eos_token_id"));
    }

    @Test
    void stories260KGguf() throws IOException {
        Path p = SharedData.testModel("gguf/stories260K.gguf");
        assertEquals(1_185_376, Files.size(p));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(48, f.tensorCount());
            assertEquals(19, f.metadata().size());
            assertEquals(32, f.alignment());
            assertEquals(14176, f.dataOffset());
            Metadata md = f.metadata();
            assertLlamaKeys(md, 2048, 64, 172, 5, 8, 4, 8);
            assertEquals("llama", md.requireString("general.name"));
            assertEquals(0, md.requireInteger("tokenizer.ggml.unknown_token_id"));
            assertEquals(0xFFFFFFFFL, md.requireInteger("tokenizer.ggml.seperator_token_id"));
            assertEquals(0xFFFFFFFFL, md.requireInteger("tokenizer.ggml.padding_token_id"));
            assertFalse(md.contains("general.file_type"));
            Map<Integer, Integer> types = new TreeMap<>();
            for (int t : md.ints("tokenizer.ggml.token_type").orElseThrow()) types.merge(t, 1, Integer::sum);
            assertEquals(Map.of(1, 253, 2, 1, 3, 2, 6, 256), types);
            assertEquals(Map.of(TensorType.F32, 48), histogram(f));
            assertEquals(Shape.of(512, 64), f.tensorInfo("token_embd.weight").shape());
            assertEquals(Shape.of(512, 64), f.tensorInfo("output.weight").shape());
            assertEquals(Shape.of(32, 64), f.tensorInfo("blk.0.attn_k.weight").shape());
            assertEquals(Shape.of(64, 172), f.tensorInfo("blk.4.ffn_down.weight").shape());
            assertEquals(Shape.of(172, 64), f.tensorInfo("blk.4.ffn_up.weight").shape());
            assertPacked(f);
        }
    }

    private static void quantVariant(String name, long size, long fileType, Map<TensorType, Integer> types) throws IOException {
        Path p = SharedData.testModel("gguf/" + name);
        assertEquals(size, Files.size(p), name);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(48, f.tensorCount(), name);
            assertEquals(21, f.metadata().size(), name);
            assertEquals(fileType, f.metadata().requireInteger("general.file_type"), name);
            assertEquals(2, f.metadata().requireInteger("general.quantization_version"), name);
            assertLlamaKeys(f.metadata(), 2048, 64, 172, 5, 8, 4, 8);
            assertEquals(types, histogram(f), name);
            assertPacked(f);
        }
    }

    @Test
    void stories260KQuantizedVariants() throws IOException {
        quantVariant("stories260K-F16.gguf", 601_248, 1, Map.of(TensorType.F16, 37, TensorType.F32, 11));
        quantVariant("stories260K-Q8_0-fallback.gguf", 379_168, 18, Map.of(TensorType.Q8_0, 32, TensorType.F16, 5, TensorType.F32, 11));
        quantVariant("stories260K-Q4_0-fallback.gguf", 281_120, 37, Map.of(TensorType.Q4_0, 30, TensorType.Q5_0, 1,
                TensorType.Q8_0, 1, TensorType.F16, 5, TensorType.F32, 11));
        quantVariant("stories260K-Q5_0-fallback.gguf", 303_072, 14, Map.of(TensorType.Q5_0, 27, TensorType.Q5_1, 4,
                TensorType.Q8_0, 1, TensorType.F16, 5, TensorType.F32, 11));
    }

    private static void distill(String name, long size, Map<TensorType, Integer> types, Map<String, TensorType> specific) throws IOException {
        Path p = SharedData.testModel("gguf/" + name);
        assertEquals(size, Files.size(p), name);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(38, f.tensorCount(), name);
            assertLlamaKeys(f.metadata(), 256, 256, 768, 4, 8, 4, 32);
            assertEquals(10000.0, f.metadata().number("llama.rope.freq_base").orElseThrow(), 0);
            assertFalse(f.hasTensor("output.weight"), "tied output");
            assertEquals(Shape.of(512, 256), f.tensorInfo("token_embd.weight").shape());
            Map<TensorType, Integer> all = new TreeMap<>(types);
            all.put(TensorType.F32, all.getOrDefault(TensorType.F32, 0) + 9); // 4 × 2 block norms + output_norm
            assertEquals(all, histogram(f), name);
            specific.forEach((tensor, type) -> assertEquals(type, f.tensorInfo(tensor).type(), name + " " + tensor));
            assertPacked(f);
        }
    }

    @Test
    void distill3MGgufs() throws IOException {
        distill("distill3M.gguf", 13_130_144, Map.of(TensorType.F32, 29), Map.of());
        try (GgufFile f = GgufFile.open(SharedData.testModel("gguf/distill3M.gguf"))) {
            assertEquals("distill3M", f.metadata().requireString("general.name"));
            assertEquals(0, f.metadata().requireInteger("general.file_type"));
            assertEquals(512, f.metadata().requireInteger("llama.vocab_size"));
        }
        distill("distill3M-Q8_0.gguf", 3_504_576, Map.of(TensorType.Q8_0, 29), Map.of());
        distill("distill3M-Q6_K.gguf", 2_710_976, Map.of(TensorType.Q6_K, 29), Map.of());
        distill("distill3M-Q4_K_M.gguf", 2_018_240, Map.of(TensorType.Q4_K, 24, TensorType.Q6_K, 5), Map.of(
                "token_embd.weight", TensorType.Q6_K, "blk.2.attn_v.weight", TensorType.Q6_K, "blk.3.ffn_down.weight", TensorType.Q6_K));
        distill("distill3M-Q4_0.gguf", 1_899_968, Map.of(TensorType.Q4_0, 28, TensorType.Q6_K, 1),
                Map.of("token_embd.weight", TensorType.Q6_K));
        distill("distill3M-Q3_K_M.gguf", 1_647_040, Map.of(TensorType.Q3_K, 16, TensorType.Q4_K, 10, TensorType.Q5_K, 2,
                TensorType.Q6_K, 1), Map.of("blk.0.attn_v.weight", TensorType.Q5_K, "blk.3.attn_v.weight", TensorType.Q4_K));
        distill("distill3M-Q2_K.gguf", 1_282_496, Map.of(TensorType.Q2_K, 16, TensorType.Q3_K, 12, TensorType.Q6_K, 1),
                Map.of("blk.1.attn_output.weight", TensorType.Q3_K, "blk.1.ffn_up.weight", TensorType.Q2_K));
    }

    /** name, arch, tokenizer model, pre (null = absent), n_vocab, merges, bos, eos (-1 = absent). */
    private record Vocab(String file, String arch, String model, String pre, int vocab, int merges, long bos, long eos) {}

    @Test
    void vocabGgufs() throws IOException {
        Vocab[] table = {
            new Vocab("llama-spm", "llama", "llama", "default", 32000, 0, 1, 2),
            new Vocab("phi-3", "phi3", "llama", "default", 32064, 0, 1, 32000),
            new Vocab("gpt-2", "gpt2", "gpt2", "gpt-2", 50257, 50000, 50256, 50256),
            new Vocab("deepseek-coder", "llama", "gpt2", "deepseek-coder", 32256, 31757, 32013, 32014),
            new Vocab("deepseek-llm", "llama", "gpt2", "deepseek-llm", 102400, 99757, 100000, 100001),
            new Vocab("falcon", "falcon", "gpt2", "falcon", 65024, 64784, 11, 11),
            new Vocab("mpt", "mpt", "gpt2", "mpt", 50432, 50009, 0, 0),
            new Vocab("refact", "refact", "gpt2", "refact", 49216, 48891, 0, 0),
            new Vocab("starcoder", "starcoder2", "gpt2", "starcoder", 49152, 48872, 0, 0),
            new Vocab("bert-bge", "bert", "bert", "bert-bge", 30522, 0, -1, -1),
            new Vocab("baichuan", "baichuan", "llama", null, 64000, 0, 1, 2),
            new Vocab("gpt-neox", "gptneox", "gpt2", null, 50432, 50009, 0, 0),
            new Vocab("llama-bpe", null, "gpt2", "llama-bpe", 128256, 280147, -2, -2),
        };
        int seen = 0;
        try (Stream<Path> s = Files.list(SharedData.testModel("vocab"))) {
            seen = (int) s.filter(p -> p.toString().endsWith(".gguf")).count();
        }
        assertEquals(table.length, seen, "every vocab GGUF is in the table");
        for (Vocab v : table) {
            try (GgufFile f = GgufFile.open(SharedData.testModel("vocab/ggml-vocab-" + v.file() + ".gguf"))) {
                Metadata md = f.metadata();
                String n = v.file();
                assertEquals(3, f.version(), n);
                assertEquals(0, f.tensorCount(), n);
                if (v.arch() != null) assertEquals(v.arch(), md.requireString("general.architecture"), n);
                assertEquals(v.model(), md.requireString("tokenizer.ggml.model"), n);
                assertEquals(v.pre(), md.string("tokenizer.ggml.pre").orElse(null), n);
                assertEquals(v.vocab(), md.strings("tokenizer.ggml.tokens").orElseThrow().size(), n);
                assertEquals(v.merges(), md.strings("tokenizer.ggml.merges").map(l -> l.size()).orElse(0), n);
                if (v.bos() >= -1) assertEquals(v.bos(), md.integer("tokenizer.ggml.bos_token_id").orElse(-1L), n);
                if (v.eos() >= -1) assertEquals(v.eos(), md.integer("tokenizer.ggml.eos_token_id").orElse(-1L), n);
            }
        }
        Path bpe = SharedData.testModel("vocab/ggml-vocab-llama-bpe.gguf");
        assertEquals(7_818_208, Files.size(bpe));
    }

    @Test
    void llama2cCheckpoints() {
        Object[][] table = {
            {"stories260K.bin", 1_056_540L, new Llama2cConfig(0, 64, 172, 5, 8, 4, 512, 512, true, 0)},
            {"stories260K_v1.bin", 1_040_384L, new Llama2cConfig(1, 64, 172, 5, 8, 4, 512, 512, true, 0)},
            {"aidreams260K.bin", 932_124L, new Llama2cConfig(0, 64, 172, 4, 4, 4, 512, 128, true, 0)},
            {"distill3M.bin", 13_149_212L, new Llama2cConfig(0, 256, 768, 4, 8, 4, 512, 256, true, 0)},
        };
        for (Object[] row : table) {
            try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.testModel("llama2c/" + row[0]))) {
                assertEquals(row[1], ck.fileSize(), (String) row[0]);
                assertEquals(row[2], ck.config(), (String) row[0]);
            }
        }
    }

    /** llama2.c tokenizer files: int32 max_token_length, then per token float score, int32 length, bytes. */
    @Test
    void llama2cTokenizers() throws IOException {
        Object[][] table = {{"tok512.bin", 7, 512, 6227L}, {"tokenizer.bin", 27, 32000, 433_869L}, {"aidreams260K_tok512.bin", 10, 512, 6290L}};
        for (Object[] row : table) {
            byte[] b = Files.readAllBytes(SharedData.testModel("llama2c/" + row[0]));
            assertEquals(row[3], (long) b.length);
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(row[1], buf.getInt(), (String) row[0]);
            int n = 0;
            while (buf.hasRemaining()) {
                buf.getFloat();
                int len = buf.getInt();
                assertTrue(len > 0 && len <= (int) row[1], row[0] + " token " + n);
                buf.position(buf.position() + len);
                n++;
            }
            assertEquals(row[2], n, (String) row[0]);
        }
    }

    @Test
    void safetensorsFolders() throws IOException {
        Object[][] table = {{"stories260K-hf-f32", 1_044_992L, 4856L, TensorType.F32}, {"stories260K-hf-bf16", 524_960L, 4888L, TensorType.BF16}};
        for (Object[] row : table) {
            Path dir = SharedData.testModel("safetensors/" + row[0]);
            assertEquals(row[1], Files.size(dir.resolve("model.safetensors")));
            try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
                assertEquals(8 + (long) row[2], ck.files().get(0).dataOffset());
                assertEquals(Map.of("format", "pt"), ck.metadata());
                assertEquals(47, ck.tensorNames().size());
                assertFalse(ck.hasTensor("lm_head.weight"), "tied embeddings");
                for (SafetensorsTensorInfo t : ck.tensorInfos()) assertEquals(row[3], t.dtype().tensorType().orElseThrow(), t.name());
                assertEquals(Shape.of(512, 64), ck.tensor("model.embed_tokens.weight").shape());
                assertEquals(Shape.of(32, 64), ck.tensor("model.layers.0.self_attn.k_proj.weight").shape());
                assertEquals(Shape.of(64, 172), ck.tensor("model.layers.4.mlp.down_proj.weight").shape());
                assertEquals(Shape.of(172, 64), ck.tensor("model.layers.2.mlp.gate_proj.weight").shape());
                assertEquals(Shape.of(64), ck.tensor("model.layers.3.post_attention_layernorm.weight").shape());
            }
        }
    }
}
