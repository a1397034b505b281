package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.json.Json;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.model.weights.GgufWeights;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy continuations against llama.cpp's own output (shared/ref/*-llamacpp-greedy.json): the
 * prompt is tokenized with the file's vocabulary, 64 tokens are generated and printed the way
 * llama-cli prints them (each token's piece, control tokens silent).
 */
class LlamaCppGreedyTest {
    /** Files whose matmuls llama.cpp runs on Q8-quantized activations: exact agreement is not expected throughout. */
    static boolean activationQuantized(String model) {
        return model.contains("Q4_0") || model.contains("Q5_0") || model.contains("Q8_0") || model.contains("_K");
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String f : List.of("stories260K-llamacpp-greedy.json", "distill3M-llamacpp-greedy.json")) {
            Path p = SharedData.require("ref/" + f);
            for (Object c : (List<Object>) Json.parseObject(Files.readString(p)).get("cases")) {
                Map<String, Object> m = (Map<String, Object>) c;
                out.add(Arguments.of(m.get("model"), m.get("prompt"), ((Number) m.get("n_predict")).intValue(), m.get("stdout")));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void continuationMatchesLlamaCpp(String model, String prompt, int n, String stdout) {
        Path path = SharedData.require("test-models/" + model);
        String got;
        try (CpuBackend be = new CpuBackend(); GgufWeights src = GgufWeights.open(path)) {
            Tokenizer tok = Tokenizers.fromGguf(src.file().metadata());
            Model m = SharedData.loadOrSkip(src, be);
            try (Session s = new Session(m.transformer(16, 1), 512, TensorType.F32, false, 0)) {
                int[] ids = tok.encode(prompt, true, true);
                Generator g = new Generator(s, tok, new ChainSampler(SamplingParams.greedy()));
                Generator.Result r = g.generate(ids, n, List.of(), t -> {}, () -> false);
                StringBuilder sb = new StringBuilder();
                for (int id : r.generated()) if (!tok.isControl(id)) sb.append(tok.piece(id));
                got = " " + prompt + sb;
            }
        }
        String want = stdout.stripTrailing();
        got = got.stripTrailing();
        if (!activationQuantized(model)) {
            assertEquals(want, got, model);
        } else {
            int same = commonPrefix(want, got);
            System.out.printf("%s \"%s\": first %d of %d chars agree with llama.cpp%n", model, prompt, same, want.length());
            // stories260K's fallback files mix Q4_0/Q5_0/Q8_0 at dim 64, where llama.cpp's Q8 activations
            // weigh most: Tessera's exact F32 products leave its continuation after ~50 chars.
            int need = model.contains("-fallback") ? 40 : 60;
            assertTrue(same >= Math.min(want.length(), need), model + ": diverges from llama.cpp at char " + same + "\nwant " + want + "\ngot  " + got);
        }
    }

    static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }
}
