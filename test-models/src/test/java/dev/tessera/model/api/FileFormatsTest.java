package dev.tessera.model.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same weights (stories260K, F32) as a GGUF file, a Hugging Face safetensors folder and a
 * llama2.c checkpoint: each opens through {@link LanguageModel#open} and continues a prompt as
 * llama.cpp does.
 */
class FileFormatsTest {
    @ParameterizedTest
    @ValueSource(strings = {"gguf/stories260K.gguf", "safetensors/stories260K-hf-f32", "llama2c/stories260K.bin"})
    @SuppressWarnings("unchecked")
    void greedyTextIsLlamaCpps(String file) throws Exception {
        Path ref = ConcurrentGenerationTest.shared("ref/stories260K-llamacpp-greedy.json");
        Path path = ConcurrentGenerationTest.shared("test-models/" + file);
        Map<String, Object> want = null;
        for (Object o : (List<Object>) Json.parseObject(Files.readString(ref)).get("cases")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (m.get("model").equals("gguf/stories260K.gguf") && m.get("prompt").equals("Once upon a time")) want = m;
        }
        assertNotNull(want, "no llama.cpp case for stories260K and \"Once upon a time\"");
        String prompt = (String) want.get("prompt");
        String expected = ((String) want.get("stdout")).substring(1 + prompt.length()).stripTrailing();
        try (LanguageModel model = LanguageModel.open(path, LoadOptions.builder().threads(1).build())) {
            int n = ((Number) want.get("n_predict")).intValue();
            Completion c = model.generate(prompt, GenerationOptions.builder().greedy().maxTokens(n).build()).run();
            assertEquals(expected, c.text().stripTrailing(), file);
        }
    }
}
