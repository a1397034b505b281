package dev.tessera.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.FormatException;
import dev.tessera.model.safetensors.SafetensorsCheckpoint;
import dev.tessera.model.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
    @TempDir Path tmp;

    @Test
    void stories260KFolder() {
        HfModelDir d = HfModelDir.open(SharedData.testModel("safetensors/stories260K-hf-f32"));
        HfConfig c = d.config();
        assertEquals(List.of("LlamaForCausalLM"), c.architectures());
        assertEquals(Optional.of("llama"), c.modelType());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numHiddenLayers());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(OptionalInt.of(8), c.headDim());
        assertEquals(512, c.vocabSize());
        assertEquals(OptionalInt.of(512), c.maxPositionEmbeddings());
        assertEquals(Optional.of(1e-5), c.rmsNormEps());
        assertEquals(Optional.of(10000.0), c.ropeTheta());
        assertEquals(Optional.empty(), c.ropeScaling());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(Optional.of("float32"), c.torchDtype());
        assertEquals(List.of(1), c.bosTokenIds());
        assertEquals(List.of(2), c.eosTokenIds());

        TokenizerConfig t = d.tokenizerConfig().orElseThrow();
        assertEquals(Optional.of("LlamaTokenizer"), t.tokenizerClass());
        assertEquals(Optional.of(true), t.addBosToken());
        assertEquals(Optional.of(false), t.addEosToken());
        assertEquals(Optional.of("<s>"), t.bosToken());
        assertEquals(Optional.of("</s>"), t.eosToken());
        assertEquals(Optional.empty(), t.padToken());
        assertEquals(Map.of(0, "<unk>", 1, "<s>", 2, "</s>"), t.addedTokens());
        assertEquals(512, t.modelMaxLength().getAsLong());
        assertEquals(Optional.empty(), d.chatTemplate());

        GenerationConfig g = d.generationConfig().orElseThrow();
        assertEquals(List.of(1), g.bosTokenIds());
        assertEquals(List.of(2), g.eosTokenIds());
        assertEquals(Optional.of(false), g.doSample());
        assertTrue(d.tokenizerJson().isPresent());
        try (SafetensorsCheckpoint w = d.openWeights()) {
            assertEquals(47, w.tensorNames().size());
        }
    }

    @Test
    void tinyLlamaConfigAndChatTemplate() {
        Path dir = SharedData.testModel("vocab/tinyllama-llama2-spm");
        HfConfig c = HfConfig.read(dir.resolve("config.json"));
        assertEquals(2048, c.hiddenSize());
        assertEquals(22, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(32000, c.vocabSize());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(OptionalInt.empty(), c.headDim());
        TokenizerConfig t = TokenizerConfig.read(dir.resolve("tokenizer_config.json"));
        assertTrue(t.chatTemplate().orElseThrow().startsWith("{% for message in messages %}"));
        assertEquals(Optional.of("</s>"), t.padToken());
    }

    @Test
    void qwenTokenizerConfig() {
        TokenizerConfig t = TokenizerConfig.read(SharedData.testModel("vocab/qwen2.5/tokenizer_config.json"));
        assertEquals(22, t.addedTokens().size());
        assertEquals("<|im_start|>", t.addedTokens().get(151644));
        assertEquals(Optional.of("<|im_end|>"), t.eosToken());
        assertEquals(Optional.of(false), t.addBosToken());
        assertTrue(t.chatTemplate().orElseThrow().contains("<|im_start|>"));
    }

    private Path write(String name, String json) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    private static final String MINIMAL = """
            {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10%s}""";

    @Test
    void defaultsAndNestedTextConfig() throws IOException {
        HfConfig c = HfConfig.read(write("config.json", MINIMAL.formatted("")));
        assertEquals(4, c.numKeyValueHeads());
        assertEquals("unknown", c.architectureName());
        HfConfig nested = HfConfig.read(write("config.json", "{\"architectures\": [\"Gemma3ForConditionalGeneration\"], \"text_config\": "
                + MINIMAL.formatted(", \"num_key_value_heads\": 2, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8.0}") + "}"));
        assertEquals(2, nested.numKeyValueHeads());
        assertEquals(8.0, nested.ropeScaling().orElseThrow().get("factor"));
        assertEquals("Gemma3ForConditionalGeneration", nested.architectureName());
    }

    @Test
    void missingRequiredFieldNamesIt() throws IOException {
        Path p = write("config.json", "{\"hidden_size\": 16, \"intermediate_size\": 32, \"num_attention_heads\": 4, \"vocab_size\": 10}");
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(p));
        assertEquals(p + ": num_hidden_layers: missing a required field (expected a positive integer)", e.getMessage());
    }

    @Test
    void missingFieldInTextConfigNamesThePath() throws IOException {
        Path p = write("config.json", "{\"text_config\": {\"hidden_size\": 16}}");
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(p));
        assertTrue(e.getMessage().startsWith(p + ": text_config.num_attention_heads: missing"), e.getMessage());
    }

    @Test
    void wrongTypeNamesFieldAndValue() throws IOException {
        Path p = write("config.json", MINIMAL.formatted(", \"num_key_value_heads\": \"two\""));
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(p));
        assertEquals(p + ": num_key_value_heads: expected a positive integer, found \"two\"", e.getMessage());
        Path q = write("config.json", MINIMAL.formatted(", \"num_key_value_heads\": 3"));
        e = assertThrows(FormatException.class, () -> HfConfig.read(q));
        assertEquals(q + ": num_key_value_heads: 3 does not divide num_attention_heads 4", e.getMessage());
    }

    @Test
    void badJsonAndMissingFile() throws IOException {
        Path p = write("config.json", "{\"hidden_size\": 16,");
        FormatException e = assertThrows(FormatException.class, () -> HfConfig.read(p));
        assertTrue(e.getMessage().startsWith(p + ": JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        e = assertThrows(FormatException.class, () -> HfConfig.read(tmp.resolve("nope.json")));
        assertEquals(tmp.resolve("nope.json") + ": no such file", e.getMessage());
        e = assertThrows(FormatException.class, () -> HfModelDir.open(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void tokenizerConfigVariants() throws IOException {
        Path p = write("tokenizer_config.json", """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token_id": 2,
                 "chat_template": [{"name": "default", "template": "A"}, {"name": "tool_use", "template": "B"}]}""");
        TokenizerConfig t = TokenizerConfig.read(p);
        assertEquals(Optional.of("<s>"), t.bosToken());
        assertEquals(Optional.of("A"), t.chatTemplate());
        assertEquals(Map.of("default", "A", "tool_use", "B"), t.chatTemplates());
        Path bad = write("tokenizer_config.json", "{\"eos_token\": 5}");
        FormatException e = assertThrows(FormatException.class, () -> TokenizerConfig.read(bad));
        assertEquals(bad + ": eos_token: expected a string or an object with \"content\", found 5", e.getMessage());
    }

    @Test
    void generationConfigListOfEos() throws IOException {
        GenerationConfig g = GenerationConfig.read(write("generation_config.json", """
                {"eos_token_id": [128001, 128009], "temperature": 0.6, "top_p": 0.9, "top_k": 40, "max_new_tokens": 64}"""));
        assertEquals(List.of(128001, 128009), g.eosTokenIds());
        assertEquals(0.6, g.temperature().getAsDouble());
        assertEquals(40, g.topK().getAsInt());
        Path bad = write("generation_config.json", "{\"eos_token_id\": [1, \"x\"]}");
        FormatException e = assertThrows(FormatException.class, () -> GenerationConfig.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": eos_token_id: expected an integer or a list of integers"), e.getMessage());
    }
}
