package dev.tessera.model.quantize;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.Transformer;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Gathers an importance matrix by running the unquantized model over calibration tokens: a text
 * cut into windows that each start with BOS (as llama-imatrix does), or, without a text, tokens
 * the model samples itself from BOS with a fixed seed.
 */
public final class Calibration {
    /** Seed of the self-sampled calibration text, so runs are repeatable. */
    public static final long SEED = 1234;

    private Calibration() {}

    /**
     * @param text   calibration text, or null to sample from the model
     * @param tokens how many tokens to run
     */
    public static Imatrix collect(Path model, String text, int tokens, Consumer<String> log) {
        if (tokens < 16) throw new IllegalArgumentException("--calib-tokens " + tokens + ": expected at least 16");
        ActivationRecorder rec = new ActivationRecorder(new CpuBackend());
        try (rec; Model m = Model.open(model, rec)) {
            Tokenizer tok = TokenizerLocator.locate(model, null);
            int ctx = Math.min(512, m.config().contextLength());
            int chunks;
            if (text != null) {
                int[] ids = tok.encode(text, false, false);
                chunks = Math.min(ids.length / ctx, Math.max(1, tokens / ctx));
                if (chunks == 0) throw new IllegalArgumentException("--calib: the text has " + ids.length + " tokens, fewer than one window of " + ctx);
                log.accept(chunks + " windows of " + ctx + " tokens from the calibration text");
                Transformer t = m.transformer(ctx, 1);
                try (KvCache cache = t.newCache(ctx, TensorType.F32)) {
                    int[] pos = new int[ctx];
                    for (int i = 0; i < ctx; i++) pos[i] = i;
                    for (int c = 0; c < chunks; c++) {
                        int[] chunk = Arrays.copyOfRange(ids, c * ctx, (c + 1) * ctx);
                        if (tok.bos() >= 0) chunk[0] = tok.bos();
                        t.forward(cache, chunk, pos, pos, AttentionMask.CAUSAL, new int[0], new float[0]);
                    }
                }
            } else {
                chunks = Math.max(1, tokens / ctx);
                log.accept("sampling " + chunks + " windows of " + ctx + " tokens from the model (seed " + SEED + ")");
                Transformer t = m.transformer(1, 1);
                ChainSampler sampler = new ChainSampler(SamplingParams.defaults(SEED));
                for (int c = 0; c < chunks; c++) {
                    try (Session s = new Session(t, ctx, TensorType.F32, false, 0)) {
                        int next = Math.max(tok.bos(), 0);
                        for (int i = 0; i < ctx; i++) {
                            float[] logits = s.decode(next);
                            next = sampler.sample(logits);
                            sampler.accept(next);
                        }
                    }
                }
            }
            return new Imatrix(rec.means(), chunks);
        }
    }
}
