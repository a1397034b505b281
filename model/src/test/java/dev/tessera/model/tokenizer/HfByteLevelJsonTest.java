package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.Metadata;
import dev.tessera.model.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level tokenizer.json files (the layout Hugging Face writes for GPT-2, Llama 3 and Qwen2),
 * assembled here from vocabularies whose llama.cpp outputs are known, since the real files are
 * too large to ship.
 */
class HfByteLevelJsonTest {
    static final String QWEN2_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Writes tokenizer.json around {@code vocabJson}, an already serialised token-to-id object. */
    static Path write(Path dir, String vocabJson, List<String> merges, List<Map<String, Object>> added,
                      Object normalizer, Object preTokenizer, Map<String, Object> config) throws Exception {
        StringBuilder sb = new StringBuilder(vocabJson.length() * 2);
        sb.append("{\"added_tokens\":").append(Json.write(added))
                .append(",\"normalizer\":").append(Json.write(normalizer))
                .append(",\"pre_tokenizer\":").append(Json.write(preTokenizer))
                .append(",\"decoder\":{\"type\":\"ByteLevel\"}")
                .append(",\"model\":{\"type\":\"BPE\",\"vocab\":").append(vocabJson).append(",\"merges\":[");
        for (int i = 0; i < merges.size(); i++) {
            if (i > 0) sb.append(',');
            Json.quote(sb, merges.get(i));
        }
        sb.append("]}}");
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, sb, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(config), StandardCharsets.UTF_8);
        return json;
    }

    static Map<String, Object> added(long id, String content) {
        return Map.of("id", id, "content", content, "special", true, "lstrip", false, "rstrip", false);
    }

    @Test
    void qwenStyleTokenizerJson(@TempDir Path dir) throws Exception {
        Path q = SharedData.require("test-models/vocab/qwen2.5");
        String vocab = Files.readString(q.resolve("vocab.json"));
        List<String> merges = Files.readAllLines(q.resolve("merges.txt")).stream().filter(l -> !l.startsWith("#")).toList();
        Object pre = Map.of("type", "Sequence", "pretokenizers", List.of(
                Map.of("type", "Split", "pattern", Map.of("Regex", QWEN2_REGEX), "behavior", "Isolated", "invert", false),
                Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false)));
        Path json = write(dir, vocab, merges, List.of(added(151643, "<|endoftext|>"), added(151644, "<|im_start|>"), added(151645, "<|im_end|>")),
                Map.of("type", "NFC"), pre, Map.of("eos_token", "<|im_end|>", "add_bos_token", false));
        Tokenizer t = Tokenizers.fromHfTokenizerJson(json);
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-qwen2");
        assertArrayEquals(Tokenizers.fromVocabAndMerges(q).encode("<|im_start|>user\ncafe\u0301<|im_end|>", true, true),
                t.encode("<|im_start|>user\ncafe\u0301<|im_end|>", true, true));
    }

    @Test
    void gpt2StyleTokenizerJson(@TempDir Path dir) throws Exception {
        Map<String, Object> vocabMap = new LinkedHashMap<>();
        List<String> merges;
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/vocab/ggml-vocab-gpt-2.gguf"))) {
            Metadata md = f.metadata();
            List<String> tokens = md.strings("tokenizer.ggml.tokens").orElseThrow();
            for (int i = 0; i < tokens.size() - 1; i++) vocabMap.put(tokens.get(i), (long) i);
            merges = md.strings("tokenizer.ggml.merges").orElseThrow();
        }
        Object pre = Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", true);
        Path json = write(dir, Json.write(vocabMap), merges, List.of(added(50256, "<|endoftext|>")), null, pre,
                Map.of("bos_token", "<|endoftext|>", "eos_token", "<|endoftext|>"));
        Tokenizer t = Tokenizers.fromHfTokenizerJson(json);
        SpmTokenizerTest.assertVectors(t, "ggml-vocab-gpt-2");
        assertEquals(50256, t.eos());
        assertFalse(t.addBos());
    }
}
