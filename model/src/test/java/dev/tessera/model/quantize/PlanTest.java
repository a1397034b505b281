package dev.tessera.model.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.model.SharedData;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Per-tensor decisions for options llama.cpp's test files do not cover. */
class PlanTest {
    private static Map<String, TensorType> plan(String type, int group, boolean asym, boolean keepOutput, boolean keepEmbeddings,
                                                boolean pure) {
        Path in = SharedData.require("test-models/gguf/distill3M.gguf");
        var o = new ModelQuantizer.Options(QuantTarget.parse(type, group, asym), keepOutput, keepEmbeddings, pure, false, 1, null);
        try (QuantizeSource src = QuantizeSource.open(in)) {
            Map<String, TensorType> m = new TreeMap<>();
            for (TensorPlan p : ModelQuantizer.plan(src, o)) m.put(p.name(), p.target());
            return m;
        }
    }

    @Test
    void keepOutputLeavesTheTiedEmbeddingAlone() {
        Map<String, TensorType> m = plan("Q4_K_M", 32, false, true, false, false);
        assertEquals(TensorType.F32, m.get("token_embd.weight"));
        assertEquals(TensorType.Q4_K, m.get("blk.0.attn_q.weight"));
        assertEquals(TensorType.F32, plan("Q4_0", 32, false, false, true, false).get("token_embd.weight"));
    }

    @Test
    void pureGivesEveryMatrixTheDefaultType() {
        Map<String, TensorType> m = plan("Q4_K_M", 32, false, false, false, true);
        for (var e : m.entrySet()) {
            boolean matrix = !e.getKey().contains("_norm");
            assertEquals(matrix ? TensorType.Q4_K : TensorType.F32, e.getValue(), e.getKey());
        }
    }

    @Test
    void groupTypesFollowTheirTwinsRules() {
        Map<String, TensorType> m = plan("int4", 128, true, false, false, false);
        assertEquals(TensorType.Q6_K, m.get("token_embd.weight"), "the tied output gets more bits, as for Q4_1");
        assertEquals(TensorType.INT4A_G128, m.get("blk.2.ffn_down.weight"));
        assertEquals(TensorType.F32, m.get("blk.2.ffn_norm.weight"));
        // groups of 32 are the ggml types themselves, so the file stays loadable by llama.cpp
        assertEquals(TensorType.Q8_0, plan("int8", 32, false, false, false, false).get("blk.0.attn_k.weight"));
        Map<String, TensorType> vq = plan("pvq-3", 32, false, false, false, false);
        assertEquals(TensorType.PVQ, vq.get("blk.0.attn_k.weight"));
        assertEquals(TensorType.Q6_K, vq.get("token_embd.weight"));
        assertFalse(List.of(TensorType.PVQ, TensorType.GLVQ).contains(vq.get("blk.0.attn_norm.weight")));
    }

    @Test
    void requantizingNeedsConsent() {
        Path in = SharedData.require("test-models/gguf/distill3M-Q8_0.gguf");
        var o = new ModelQuantizer.Options(QuantTarget.parse("Q4_K_M", 32, false), false, false, false, false, 1, null);
        try (QuantizeSource src = QuantizeSource.open(in)) {
            var e = assertThrows(IllegalArgumentException.class, () -> ModelQuantizer.plan(src, o));
            assertEquals("tensor token_embd.weight is already Q8_0; requantizing loses accuracy (pass --allow-requantize to do it anyway)",
                    e.getMessage());
        }
    }

    @Test
    void useMoreBitsPicksTheEdgesAndEveryThirdLayer() {
        // llama.cpp's picks for 32 layers: the first and last four, and 6, 9, ..., 27 between
        List<Integer> want = List.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);
        List<Integer> got = new java.util.ArrayList<>();
        for (int l = 0; l < 32; l++) if (MixRules.useMoreBits(l, 32)) got.add(l);
        assertEquals(want, got);
    }
}
