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
    void continuationMatchesLlamaCpp(String model, String prompt, int n, String stdout) {
        Path path = SharedData.require("test-models/" + model);
        try (CpuBackend be = new CpuBackend(); GgufWeights src = GgufWeights.open(path)) {
            Tokenizer tok = Tokenizers.fromGguf(src.file().metadata());
            Model m = SharedData.loadOrSkip(src, be);
            String want = stdout.stripTrailing();
            if (!activationQuantized(model)) {
                assertEquals(want, (" " + prompt + continuation(m, tok, prompt, n)).stripTrailing(), model);
            } else {
                firstDisagreementIsANearTie(m, tok, model, prompt, n, want);
            }
        }
    }

    /**
     * Greedy decoding until our text leaves llama.cpp's. llama.cpp runs these matmuls on
     * Q8-quantized activations, so it may pick a different token where two are nearly tied; at
     * the first difference, the token llama.cpp printed (a piece that starts its remaining text)
     * must score within {@link #NEAR_TIE} logits of ours.
     */
    private static void firstDisagreementIsANearTie(Model m, Tokenizer tok, String model, String prompt, int n, String want) {
        StringBuilder text = new StringBuilder(" " + prompt);
        try (Session s = new Session(m.transformer(16, 1), 512, TensorType.F16, false, 0)) {
            float[] logits = s.append(tok.encode(prompt, true, true));
            for (int i = 0; i < n; i++) {
                int g = Stories260KReferenceTest.argmax(logits);
                String piece = tok.isControl(g) ? "" : tok.piece(g);
                String next = text + piece;
                if (!want.startsWith(next.stripTrailing()) && next.length() <= want.length() + 1) {
                    String rest = want.substring(Math.min(text.length(), want.length()));
                    float best = Float.NEGATIVE_INFINITY;
                    for (int t = 0; t < logits.length; t++) {
                        String p = tok.isControl(t) ? "" : tok.piece(t);
                        if (!p.isEmpty() && rest.startsWith(p)) best = Math.max(best, logits[t]);
                    }
                    float gap = logits[g] - best;
                    System.out.printf("%s \"%s\": first difference at char %d of %d, llama.cpp's token %.3f logits below ours%n",
                            model, prompt, text.length(), want.length(), gap);
                    assertTrue(gap <= NEAR_TIE, model + ": at char " + text.length() + " llama.cpp's choice is " + gap
                            + " logits below ours\nwant " + want + "\ngot  " + next);
                    return;
                }
                text.append(piece);
                logits = s.decode(g);
            }
        }
        System.out.printf("%s \"%s\": all %d tokens agree with llama.cpp%n", model, prompt, n);
    }

    /** Largest logit gap accepted at the first disagreement with llama.cpp on a quantized file. */
    static final float NEAR_TIE = 0.1f;

    static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }
}
