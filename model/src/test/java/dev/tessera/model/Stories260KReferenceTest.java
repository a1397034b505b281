package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.json.Json;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stories260K against the independent float64 forward pass in stories260K-reference.json:
 * top-5 logits at each prompt position, the full logit row at position 4, and the 200 greedy
 * tokens from BOS, for every F32/F16/BF16 copy of the weights (GGUF, llama2.c, safetensors).
 */
class Stories260KReferenceTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> reference() throws Exception {
        return Json.parseObject(Files.readString(SharedData.require("test-models/stories260K-reference.json")));
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gguf/stories260K.gguf", "llama2c/stories260K.bin", "llama2c/stories260K_v1.bin",
            "safetensors/stories260K-hf-f32"})
    @SuppressWarnings("unchecked")
    void logitsMatchTheReference(String file) throws Exception {
        Map<String, Object> ref = reference();
        Path p = SharedData.require("test-models/" + file);
        int[] prompt = ints(ref.get("prompt_ids_with_bos"));
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(p, be);
             Session s = new Session(m.transformer(8, 1), 64, TensorType.F32, false, 0)) {
            List<Object> top5 = (List<Object>) ref.get("top5_logits_per_position");
            for (int pos = 0; pos < prompt.length; pos++) {
                float[] logits = s.decode(prompt[pos]);
                Map<String, Object> row = (Map<String, Object>) top5.get(pos);
                for (Object pair : (List<Object>) row.get("top5")) {
                    List<Object> tv = (List<Object>) pair;
                    int id = ((Number) tv.get(0)).intValue();
                    double want = ((Number) tv.get(1)).doubleValue();
                    assertEquals(want, logits[id], 1e-3 * Math.max(1, Math.abs(want)), file + " position " + pos + " token " + id);
                }
                if (pos == 4) {
                    List<Object> full = (List<Object>) ref.get("logits_position4_full");
                    for (int i = 0; i < full.size(); i++) {
                        double want = ((Number) full.get(i)).doubleValue();
                        assertEquals(want, logits[i], 1e-3 * Math.max(1, Math.abs(want)), file + " position 4 token " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gguf/stories260K.gguf", "gguf/stories260K-F16.gguf", "llama2c/stories260K.bin",
            "safetensors/stories260K-hf-f32", "safetensors/stories260K-hf-bf16"})
    @SuppressWarnings("unchecked")
    void greedyFromBosMatches(String file) throws Exception {
        Map<String, Object> ref = reference();
        boolean bf16 = file.contains("bf16");
        String key = bf16 ? "greedy_from_bos_bf16_safetensors" : "greedy_from_bos";
        int[] want = ints(((Map<String, Object>) ref.get(key)).get("ids"));
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(SharedData.require("test-models/" + file), be);
             Session s = new Session(m.transformer(8, 1), 512, TensorType.F32, false, 0)) {
            int[] got = new int[want.length];
            int token = 1;
            for (int i = 0; i < want.length; i++) {
                float[] logits = s.decode(token);
                token = argmax(logits);
                got[i] = token;
                if (bf16 && token != want[i]) {
                    // The BF16 reference is a float32 numpy forward, whose summation order we do not
                    // reproduce: past the first token, a disagreement must be a near-tie, then stop.
                    float gap = logits[token] - logits[want[i]];
                    System.out.printf("%s: first difference at token %d of %d, the reference's choice %.5f logits below ours%n",
                            file, i, want.length, gap);
                    assertTrue(i > 0 && gap <= BF16_NEAR_TIE, file + " token " + i + ": reference's choice " + gap + " logits below ours");
                    return;
                }
            }
            assertArrayEquals(want, got, file);
        }
    }

    /** Largest gap accepted where our greedy choice leaves the BF16 reference's (0.0048 seen at token 185 of 200). */
    private static final float BF16_NEAR_TIE = 0.01f;

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
