package dev.tessera.model.api;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Generator;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.List;

/**
 * Greedy text the low-level way — a fresh backend, model, session and {@link Generator}, nothing
 * cached or shared — to hold the library's pooled, cached, concurrent generations against.
 *
 * <p>It evaluates one token per forward pass. The quantized kernels take another path for batches
 * of 8 or more rows (weights decoded to floats), whose rounding differs slightly, so a prompt
 * evaluated in one batch and the same prompt partly cached can break a near tie differently; tests
 * that compare cached or concurrent runs with this use {@code batchSize(1)} too.
 */
final class Reference {
    private Reference() {}

    /** The greedy continuation of {@code prompt} (encoded with BOS and special tokens parsed). */
    static String greedy(Path model, String prompt, int maxTokens) {
        try (CpuBackend be = new CpuBackend(1); Model m = Model.open(model, be);
             Session s = new Session(m.transformer(1, 1), 256, TensorType.F32, false, 0)) {
            Tokenizer tok = TokenizerLocator.locate(model, null);
            StringBuilder sb = new StringBuilder();
            new Generator(s, tok, new ChainSampler(SamplingParams.greedy()))
                    .generate(tok.encode(prompt, true, true), maxTokens, List.of(), sb::append, () -> false);
            return sb.toString();
        }
    }
}
