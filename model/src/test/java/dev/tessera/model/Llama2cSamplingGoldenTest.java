package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.sampling.Llama2cSampler;
import dev.tessera.model.tokenizer.StreamingDecoder;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.tensor.TensorType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * llama2.c's own sampled outputs (xorshift RNG seed 42, temperature 1, top-p 1 and 0.95, with and
 * without a prompt) reproduced token for token through {@link Llama2cSampler}, following run.c's
 * loop: prompt tokens are forced without drawing, 200 steps, stop on BOS.
 */
class Llama2cSamplingGoldenTest {
    @Test
    @SuppressWarnings("unchecked")
    void reproducesRunC() throws Exception {
        Map<String, Object> ref = Stories260KReferenceTest.reference();
        List<Object> cases = (List<Object>) ((Map<String, Object>) ref.get("llama2c_sampling_goldens")).get("cases");
        Tokenizer tok = Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/tok512.bin"));
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(SharedData.require("test-models/llama2c/stories260K.bin"), be)) {
            for (Object o : cases) {
                Map<String, Object> c = (Map<String, Object>) o;
                String cmd = (String) c.get("cmd");
                float topP = cmd.contains("-p 0.95") ? 0.95f : 1f;
                String prompt = cmd.contains("-i \"") ? cmd.substring(cmd.indexOf("-i \"") + 4, cmd.length() - 1) : "";
                int[] ids = prompt.isEmpty() ? new int[] {1} : tok.encode(prompt, true, false);
                if (c.containsKey("prompt_ids_with_bos")) assertArrayEquals(Stories260KReferenceTest.ints(c.get("prompt_ids_with_bos")), ids);
                assertEquals(c.get("text"), run(m, tok, ids, new Llama2cSampler(1f, topP, 42), 200), cmd);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aidreamsGreedyMatchesRunC() throws Exception {
        Map<String, Object> ref = (Map<String, Object>) Stories260KReferenceTest.reference().get("aidreams260K_greedy_from_bos");
        Tokenizer tok = Tokenizers.fromLlama2c(SharedData.require("test-models/llama2c/aidreams260K_tok512.bin"));
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(SharedData.require("test-models/llama2c/aidreams260K.bin"), be)) {
            assertEquals(m.config().heads(), m.config().kvHeads(), "multi-head attention, no GQA");
            assertEquals(ref.get("text"), run(m, tok, new int[] {1}, new Llama2cSampler(0f, 0.9f, 1), 128));
        }
    }

    private static String run(Model m, Tokenizer tok, int[] prompt, Llama2cSampler sampler, int steps) {
        StringBuilder out = new StringBuilder();
        StreamingDecoder dec = tok.streamingDecoder();
        dec.push(prompt[0]);
        try (Session s = new Session(m.transformer(1, 1), steps, TensorType.F32, false, 0)) {
            int token = prompt[0];
            for (int pos = 0; pos < steps; pos++) {
                float[] logits = s.decode(token);
                int next = pos < prompt.length - 1 ? prompt[pos + 1] : sampler.sample(logits);
                if (next == 1) break;
                out.append(dec.push(next));
                token = next;
            }
        }
        return out + dec.flush();
    }
}
