package dev.tessera.model.eval;

import dev.tessera.model.Transformer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Perplexity over a token stream in windows, as llama.cpp's {@code llama-perplexity} computes it:
 * the text is cut into chunks of {@code ctx} tokens, each chunk starts with BOS (when the model has
 * one) and only its second half is scored, every token there predicted with at least ctx/2 tokens
 * of context. With a base model, the same positions also give the KL divergence
 * {@code KL(P_base || P_model)}, its 99th percentile, and how often both pick the same top token.
 */
public final class Perplexity {
    /** Final figures; {@code klDivergence} and friends are NaN without a base model. */
    public record Result(int tokens, double perplexity, double perplexityError, double klDivergence, double klP99,
                         double top1Agreement, double basePerplexity) {}

    private Perplexity() {}

    /**
     * @param base     the reference model, or null
     * @param progress receives the number of chunks done after each chunk
     */
    public static Result run(Transformer model, Transformer base, int[] tokens, int ctx, int bos, IntConsumer progress) {
        if (ctx < 4) throw new IllegalArgumentException("--ctx " + ctx + ": expected at least 4");
        int chunks = tokens.length / ctx;
        if (chunks == 0) throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one window of --ctx " + ctx);
        int vocab = model.config().vocabSize();
        if (base != null && base.config().vocabSize() != vocab) {
            throw new IllegalArgumentException("--kl-base has a vocabulary of " + base.config().vocabSize() + ", the model " + vocab);
        }
        int first = ctx / 2;
        int scoredPerChunk = ctx - 1 - first;
        double[] nll = new double[chunks * scoredPerChunk];
        double[] baseNll = base == null ? null : new double[nll.length];
        double[] kl = base == null ? null : new double[nll.length];
        int sameTop = 0;
        int k = 0;
        float[] logits = new float[scoredPerChunk * vocab];
        float[] baseLogits = base == null ? null : new float[scoredPerChunk * vocab];
        int[] rows = new int[scoredPerChunk];
        try (KvCache cache = model.newCache(ctx, TensorType.F32); KvCache baseCache = base == null ? null : base.newCache(ctx, TensorType.F32)) {
            for (int c = 0; c < chunks; c++) {
                int[] chunk = Arrays.copyOfRange(tokens, c * ctx, (c + 1) * ctx);
                if (bos >= 0) chunk[0] = bos;
                evaluate(model, cache, chunk, first, logits, rows);
                if (base != null) evaluate(base, baseCache, chunk, first, baseLogits, rows);
                for (int j = 0; j < scoredPerChunk; j++) {
                    int next = chunk[first + j + 1];
                    double[] lp = logSoftmax(logits, j * vocab, vocab);
                    nll[k] = -lp[next];
                    if (base != null) {
                        double[] blp = logSoftmax(baseLogits, j * vocab, vocab);
                        baseNll[k] = -blp[next];
                        double d = 0;
                        int am = 0, bm = 0;
                        for (int v = 0; v < vocab; v++) {
                            d += Math.exp(blp[v]) * (blp[v] - lp[v]);
                            if (lp[v] > lp[am]) am = v;
                            if (blp[v] > blp[bm]) bm = v;
                        }
                        kl[k] = Math.max(0, d);
                        if (am == bm) sameTop++;
                    }
                    k++;
                }
                progress.accept(c + 1);
            }
        }
        double mean = mean(nll);
        double var = 0;
        for (double x : nll) var += (x - mean) * (x - mean);
        double stderr = nll.length > 1 ? Math.sqrt(var / (nll.length - 1) / nll.length) : 0;
        double ppl = Math.exp(mean);
        if (base == null) return new Result(nll.length, ppl, ppl * stderr, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double[] sorted = kl.clone();
        Arrays.sort(sorted);
        double p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(0.99 * sorted.length) - 1)];
        return new Result(nll.length, ppl, ppl * stderr, mean(kl), p99, (double) sameTop / nll.length, Math.exp(mean(baseNll)));
    }

    /** Evaluates a whole chunk from an empty cache; keeps the logits of rows first..ctx-2. */
    private static void evaluate(Transformer t, KvCache cache, int[] chunk, int first, float[] out, int[] rowsBuf) {
        int ctx = chunk.length;
        int batch = t.maxBatch();
        int done = 0;
        for (int s = 0; s < ctx - 1; s += batch) {
            int b = Math.min(batch, ctx - 1 - s);
            int[] tok = Arrays.copyOfRange(chunk, s, s + b);
            int[] pos = new int[b];
            for (int i = 0; i < b; i++) pos[i] = s + i;
            int lo = Math.max(first, s), hi = s + b; // scored rows in this batch: [lo, hi)
            int count = Math.max(0, hi - lo);
            int[] rows = new int[count];
            for (int i = 0; i < count; i++) rows[i] = lo - s + i;
            float[] part = count == 0 ? new float[0] : new float[count * t.config().vocabSize()];
            t.forward(cache, tok, pos, pos, AttentionMask.CAUSAL, rows, part);
            System.arraycopy(part, 0, out, done * t.config().vocabSize(), part.length);
            done += count;
        }
    }

    private static double[] logSoftmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[off + i] - max);
        double lse = max + Math.log(sum);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = x[off + i] - lse;
        return out;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }
}
