package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
    @Test
    void readsStories260KFromGguf() {
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/gguf/stories260K.gguf"))) {
            ModelConfig c = ModelConfig.fromGguf(f);
            assertEquals("llama", c.architecture());
            assertEquals(64, c.dim());
            assertEquals(172, c.hiddenDim());
            assertEquals(5, c.layers());
            assertEquals(8, c.heads());
            assertEquals(4, c.kvHeads());
            assertEquals(8, c.headDim());
            assertEquals(2048, c.contextLength());
            assertEquals(512, c.vocabSize());
            assertEquals(8, c.rope().dims());
            assertFalse(c.rope().neox(), "GGUF llama uses adjacent RoPE pairs");
            assertFalse(c.tiedOutput(), "stories260K.gguf stores output.weight");
            assertEquals(1e-5f, c.normEps());
        }
    }

    @Test
    void distill3MIsTied() {
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/gguf/distill3M.gguf"))) {
            ModelConfig c = ModelConfig.fromGguf(f);
            assertTrue(c.tiedOutput());
            assertEquals(256, c.contextLength());
            assertEquals(32, c.headDim());
        }
    }

    @Test
    void readsHfConfig() throws Exception {
        Path p = SharedData.require("test-models/safetensors/stories260K-hf-f32/config.json");
        ModelConfig c = ModelConfig.fromHfConfig(Json.parseObject(Files.readString(p)), p);
        assertEquals("llama", c.architecture());
        assertEquals(64, c.dim());
        assertEquals(4, c.kvHeads());
        assertEquals(512, c.contextLength());
        assertTrue(c.rope().neox(), "HF weights are in rotate-half layout");
        assertTrue(c.tiedOutput());
    }

    @Test
    void llama31ScalingKeepsHighAndDividesLowFrequencies() {
        var cfg = Json.parseObject("""
                {"architectures":["LlamaForCausalLM"],"hidden_size":4096,"num_attention_heads":32,"num_key_value_heads":8,
                 "num_hidden_layers":32,"intermediate_size":14336,"vocab_size":128256,"max_position_embeddings":131072,
                 "rope_theta":500000.0,"rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
                 "original_max_position_embeddings":8192,"rope_type":"llama3"}}""");
        ModelConfig c = ModelConfig.fromHfConfig(cfg, Path.of("config.json"));
        float[] f = c.rope().toRope().invFreq();
        assertEquals(64, f.length);
        assertEquals(1.0f, f[0], 0f, "wavelength 2*pi is below the high-frequency cut: unchanged");
        double plainLast = Math.pow(500000.0, -126.0 / 128);
        assertEquals(plainLast / 8, f[63], plainLast * 1e-5, "longest wavelength is divided by the factor");
        for (int i = 1; i < 64; i++) assertTrue(f[i] < f[i - 1], "frequencies stay decreasing");
    }

    @Test
    void gemma2SlidingPatternAlternates() {
        var cfg = Json.parseObject("""
                {"architectures":["Gemma2ForCausalLM"],"hidden_size":2304,"num_attention_heads":8,"num_key_value_heads":4,
                 "head_dim":256,"num_hidden_layers":26,"intermediate_size":9216,"vocab_size":256000,
                 "query_pre_attn_scalar":256,"sliding_window":4096,"attn_logit_softcapping":50.0,"final_logit_softcapping":30.0}""");
        ModelConfig c = ModelConfig.fromHfConfig(cfg, Path.of("config.json"));
        assertTrue(c.isSliding(0));
        assertFalse(c.isSliding(1));
        assertEquals(4096, c.windowOf(2));
        assertEquals(50f, c.attnSoftcap());
        assertEquals(48f, c.embeddingScale(), 0.01f);
        assertTrue(c.tiedOutput());
    }

    @Test
    void unknownArchitectureNamesTheField() {
        var cfg = Json.parseObject("{\"architectures\":[\"BertModel\"],\"hidden_size\":8}");
        var e = assertThrows(FormatException.class, () -> ModelConfig.fromHfConfig(cfg, Path.of("x/config.json")));
        assertTrue(e.getMessage().contains("architectures"), e.getMessage());
    }
}
