package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.eval.Perplexity;
import dev.tessera.model.quantize.ModelQuantizer;
import dev.tessera.model.quantize.QuantTarget;
import dev.tessera.model.quantize.QuantizeSource;
import dev.tessera.model.quantize.TensorPlan;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.model.weights.GgufWeights;
import dev.tessera.tensor.TensorType;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every {@code --type}: quantize distill3M (F32), load the file back, check each tensor has the
 * planned type, and run it over a slice of the evaluation text against the F32 model. The KL
 * bounds are loose (a few times what each type measures), so they catch a broken codec, loader
 * or kernel, not a small quality change.
 */
class QuantizeRoundTripTest {
    private static final int CTX = 64;
    private static final int WINDOWS = 3;

    @TempDir
    static Path tmp;
    static Path base;
    static int[] tokens;
    static int bos;

    @BeforeAll
    static void setUp() throws Exception {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: skipping test that needs shared data");
        base = Path.of(root, "test-models/gguf/distill3M.gguf");
        assumeTrue(Files.exists(base), base + " is absent: skipping");
        String text;
        try (InputStream in = EmbeddedModel.class.getResourceAsStream("stories-eval.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (GgufWeights w = GgufWeights.open(base)) {
            Tokenizer tok = Tokenizers.fromGguf(w.file().metadata());
            tokens = Arrays.copyOf(tok.encode(text, true, false), CTX * WINDOWS);
            bos = tok.bos();
        }
    }

    @ParameterizedTest(name = "{0} g{1} asym={2}")
    @CsvSource({
            "F32, 32, false, 1e-9, 1.0", "F16, 32, false, 1e-5, 0.99", "BF16, 32, false, 1e-4, 0.98",
            "Q8_0, 32, false, 2e-4, 0.98", "Q5_1, 32, false, 4e-3, 0.95", "Q5_0, 32, false, 4e-3, 0.95",
            "Q4_1, 32, false, 0.015, 0.92", "Q4_0, 32, false, 0.015, 0.92", "Q6_K, 32, false, 1.5e-3, 0.97",
            "Q5_K_M, 32, false, 4e-3, 0.95", "Q5_K_S, 32, false, 4e-3, 0.95", "Q4_K_M, 32, false, 0.01, 0.93",
            "Q4_K_S, 32, false, 0.01, 0.93", "Q3_K_L, 32, false, 0.03, 0.9", "Q3_K_M, 32, false, 0.035, 0.9",
            "Q3_K_S, 32, false, 0.06, 0.85", "Q2_K, 32, false, 0.15, 0.8",
            "int8, 64, false, 2e-4, 0.98", "int8, 128, false, 2e-4, 0.98",
            "int4, 64, false, 0.02, 0.9", "int4, 128, false, 0.025, 0.9",
            "int4, 64, true, 0.02, 0.9", "int4, 128, true, 0.03, 0.88",
            "pvq-4, 32, false, 0.03, 0.88", "glvq-4, 32, false, 0.03, 0.88",
    })
    void quantizeLoadRun(String type, int group, boolean asym, double maxKl, double minTop1) throws Exception {
        Path out = tmp.resolve(type + "-" + group + "-" + asym + ".gguf");
        var options = new ModelQuantizer.Options(QuantTarget.parse(type, group, asym), false, false, false, false, 2, null);
        List<TensorPlan> plan;
        try (QuantizeSource src = QuantizeSource.open(base)) {
            plan = ModelQuantizer.run(src, options, out, (i, n, p) -> { });
        }
        try (CpuBackend be = new CpuBackend(); GgufWeights q = GgufWeights.open(out); GgufWeights f = GgufWeights.open(base);
             Model m = Model.load(q, be); Model ref = Model.load(f, be)) {
            for (TensorPlan p : plan) {
                assertEquals(p.target(), q.require(p.name()).type(), p.name());
                assertEquals(p.source().shape(), q.require(p.name()).shape(), p.name());
            }
            if ((type.startsWith("int") && group > 32) || type.contains("vq")) {
                assertTrue(plan.stream().anyMatch(p -> !p.target().isGgml()), "matrices use Tessera's group types");
            }
            Perplexity.Result r = Perplexity.run(m.transformer(CTX, CTX), ref.transformer(CTX, CTX), tokens, CTX, bos, c -> { });
            System.out.printf(Locale.ROOT, "%s g%d asym=%s: KL %.6f top1 %.4f ppl %.4f (base %.4f)%n", type, group, asym,
                    r.klDivergence(), r.top1Agreement(), r.perplexity(), r.basePerplexity());
            assertTrue(r.klDivergence() <= maxKl, "KL " + r.klDivergence() + " > " + maxKl);
            assertTrue(r.top1Agreement() >= minTop1, "top-1 agreement " + r.top1Agreement() + " < " + minTop1);
        }
    }
}
