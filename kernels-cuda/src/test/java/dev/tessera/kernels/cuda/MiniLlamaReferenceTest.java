package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.json.Json;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Validates the GPU tests' harness on the CPU: {@link MiniLlama} on {@link ReferenceBackend}
 * reproduces the independent stories260K reference (float64 llama2.c forward; greedy ids that
 * llama.cpp and llama2.c agree on). The GPU tests then compare the CUDA backend with this pair.
 */
class MiniLlamaReferenceTest {
    static Path shared() {
        String s = System.getProperty("tessera.shared");
        assumeTrue(s != null && Files.isDirectory(Path.of(s, "test-models")), "shared test data not found (tessera.shared=" + s + ")");
        return Path.of(s);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> stories260KReference() throws Exception {
        return (Map<String, Object>) Json.parse(Files.readString(shared().resolve("test-models/stories260K-reference.json")));
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    @Test
    @SuppressWarnings("unchecked")
    void promptLogitsMatchTheFloat64Reference() throws Exception {
        Map<String, Object> ref = stories260KReference();
        int[] prompt = ints(ref.get("prompt_ids_with_bos"));
        List<Object> full = (List<Object>) ref.get("logits_position4_full");
        try (GgufFile f = GgufFile.open(shared().resolve("test-models/gguf/stories260K.gguf"));
             ReferenceBackend be = new ReferenceBackend();
             MiniLlama m = new MiniLlama(f, be, 64, TensorType.F32, 8)) {
            m.forward(prompt, 0);
            float[] row4 = m.logitsRow(4);
            assertEquals(full.size(), row4.length);
            for (int i = 0; i < row4.length; i++) {
                assertEquals(((Number) full.get(i)).doubleValue(), row4[i], 1e-3, "logit " + i + " at position 4");
            }
            for (Object o : (List<Object>) ref.get("top5_logits_per_position")) {
                Map<String, Object> p = (Map<String, Object>) o;
                float[] row = m.logitsRow(((Number) p.get("position")).intValue());
                for (Object t : (List<Object>) p.get("top5")) {
                    List<Object> pair = (List<Object>) t;
                    assertEquals(((Number) pair.get(1)).doubleValue(), row[((Number) pair.get(0)).intValue()], 1e-3);
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void greedyDecodeFromBosMatchesTheReferenceIds() throws Exception {
        int[] expected = ints(((Map<String, Object>) stories260KReference().get("greedy_from_bos")).get("ids"));
        try (GgufFile f = GgufFile.open(shared().resolve("test-models/gguf/stories260K.gguf"));
             ReferenceBackend be = new ReferenceBackend();
             MiniLlama m = new MiniLlama(f, be, 256, TensorType.F32, 1)) {
            int[] got = greedy(m, be, 1, 64);
            int[] want = java.util.Arrays.copyOf(expected, 64);
            assertArrayEquals(want, got);
            assertTrue(got.length > 0);
        }
    }

    /**
     * distill3M (F32; 4 layers, GQA 8/4, 32-dim heads) from BOS greedily writes "Once upon a time..."
     * and goes on exactly as llama.cpp continues that prompt on the same file.
     */
    @Test
    @SuppressWarnings("unchecked")
    void distill3MContinuesLikeLlamaCpp() throws Exception {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Files.readString(shared().resolve("ref/distill3M-llamacpp-greedy.json")));
        String expected = null;
        for (Object o : (List<Object>) ref.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (c.get("model").equals("gguf/distill3M.gguf") && c.get("prompt").equals("Once upon a time")) expected = (String) c.get("stdout");
        }
        assumeTrue(expected != null, "no llama.cpp case for distill3M.gguf");
        try (GgufFile f = GgufFile.open(shared().resolve("test-models/gguf/distill3M.gguf"));
             ReferenceBackend be = new ReferenceBackend();
             MiniLlama m = new MiniLlama(f, be, 128, TensorType.F32, 1)) {
            List<String> vocab = f.metadata().strings("tokenizer.ggml.tokens").orElseThrow();
            StringBuilder text = new StringBuilder();
            for (int id : greedy(m, be, 1, 40)) text.append(vocab.get(id).replace('\u2581', ' '));
            assertTrue(text.length() > 100, text.toString());
            assertEquals(expected.substring(0, text.length()), text.toString());
        }
    }

    /** Greedy decode of {@code steps} tokens after {@code first}, one token per forward pass. */
    static int[] greedy(MiniLlama m, dev.tessera.tensor.Backend be, int first, int steps) {
        int[] out = new int[steps];
        int tok = first;
        for (int i = 0; i < steps; i++) {
            m.forward(new int[] {tok}, i);
            tok = be.argmax(m.logits(), 0, m.vocab);
            out[i] = tok;
        }
        return out;
    }
}
