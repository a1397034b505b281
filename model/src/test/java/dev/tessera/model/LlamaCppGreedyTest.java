package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
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
 * Greedy continuations against llama.cpp's own output (shared/ref/*-llamacpp-greedy.json, and
 * distill3M-more-llamacpp-greedy.json for the Q4_0, Q3_K_M and Q2_K files): the prompt is tokenized
 * with the file's vocabulary, 64 tokens are generated on an F16 KV cache (llama-cli's default)
 * and printed the way llama-cli prints them (each token's piece, control tokens silent). Every
 * case must match exactly, on the default kernels and on the scalar reference
 * {@link CpuBackend#matchingLlamaCpp}: both follow llama.cpp's float arithmetic.
 */
class LlamaCppGreedyTest {
    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        List<String> docs = new ArrayList<>();
        for (String f : List.of("stories260K-llamacpp-greedy.json", "distill3M-llamacpp-greedy.json")) {
            docs.add(Files.readString(SharedData.require("ref/" + f)));
        }
        try (var in = LlamaCppGreedyTest.class.getResourceAsStream("distill3M-more-llamacpp-greedy.json")) {
            docs.add(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        for (String doc : docs) {
            for (Object c : (List<Object>) Json.parseObject(doc).get("cases")) {
                Map<String, Object> m = (Map<String, Object>) c;
                out.add(Arguments.of(m.get("model"), m.get("prompt"), ((Number) m.get("n_predict")).intValue(), m.get("stdout")));
            }
        }
        return out.stream();
    }

    /** The F32 GGUF cases again on the llama2.c and safetensors copies of the same weights. */
    static Stream<Arguments> otherFormats() throws Exception {
        Map<String, List<String>> copies = Map.of(
                "gguf/stories260K.gguf", List.of("llama2c/stories260K.bin", "safetensors/stories260K-hf-f32"),
                "gguf/distill3M.gguf", List.of("llama2c/distill3M.bin"));
        return cases().flatMap(a -> {
            Object[] g = a.get();
            return copies.getOrDefault((String) g[0], List.of()).stream().map(c -> Arguments.of(c, g[1], g[2], g[3]));
        });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("otherFormats")
    void otherFormatsMatchLlamaCpp(String model, String prompt, int n, String stdout) {
        Path path = SharedData.require("test-models/" + model);
        String got;
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(path, be)) {
            got = " " + prompt + continuation(m, TokenizerLocator.locate(path, null), prompt, n);
        }
        assertEquals(stdout.stripTrailing(), got.stripTrailing(), model);
    }

    private static String continuation(Model m, Tokenizer tok, String prompt, int n) {
        try (Session s = new Session(m.transformer(16, 1), 512, TensorType.F16, false, 0)) {
            int[] ids = tok.encode(prompt, true, true);
            Generator g = new Generator(s, tok, new ChainSampler(SamplingParams.greedy()));
            Generator.Result r = g.generate(ids, n, List.of(), t -> {}, () -> false);
            StringBuilder sb = new StringBuilder();
            for (int id : r.generated()) if (!tok.isControl(id)) sb.append(tok.piece(id));
            return sb.toString();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void llamaCppArithmeticPrintsLlamaCppsText(String model, String prompt, int n, String stdout) {
        try (CpuBackend be = CpuBackend.matchingLlamaCpp(2)) {
            check(be, model, prompt, n, stdout);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void defaultKernelsPrintLlamaCppsText(String model, String prompt, int n, String stdout) {
        try (CpuBackend be = new CpuBackend()) {
            check(be, model, prompt, n, stdout);
        }
    }

    private static void check(CpuBackend be, String model, String prompt, int n, String stdout) {
        Path path = SharedData.require("test-models/" + model);
        try (GgufWeights src = GgufWeights.open(path)) {
            Tokenizer tok = Tokenizers.fromGguf(src.file().metadata());
            Model m = SharedData.loadOrSkip(src, be);
            assertEquals(stdout.stripTrailing(), (" " + prompt + continuation(m, tok, prompt, n)).stripTrailing(), model);
        }
    }
}
