package dev.tessera.model;

import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.Weight;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The forward pass of every supported family, written once against {@link Backend}. One call
 * runs a batch of positions (prefill chunk, single decode token, or draft tokens to verify),
 * writes their keys and values into the cache and produces logits only for the rows asked for.
 *
 * <p>Scratch buffers are allocated once for {@code maxBatch} rows; an instance is not thread-safe.
 * Passes of different instances may run from several threads: passes on one backend take turns
 * (a backend's kernels share scratch state), first come first served so no sequence starves.
 */
public final class Transformer {
    private final ModelConfig c;
    private final ModelWeights w;
    private final Backend be;
    private final int maxBatch;
    private final int maxLogitRows;
    private final Rope[] ropes;
    private final AttentionParams[] attn;
    private final Backend.Activation act;
    private final Buffer x, xb, q, k, v, att, hb, hb2, logits;
    /** Per layer {wq, wk, wv} and {gate, up}, with their outputs: each set is one {@link Backend#matmuls} call. */
    private final Weight[][] qkv, gateUp;
    private final Buffer[] qkvOut, gateUpOut;
    private float[] staging;
    /** One fair lock per backend, shared by all its transformers. */
    private static final Map<Backend, Lock> TURNS = Collections.synchronizedMap(new WeakHashMap<>());
    private final Lock turn;

    public Transformer(ModelConfig config, ModelWeights weights, Backend backend, int maxBatch, int maxLogitRows) {
        this(config, weights, backend, maxBatch, maxLogitRows, 0);
    }

    /**
     * @param windowCap if positive, every layer attends to at most the last {@code windowCap}
     *                  positions (a cheaper, approximate pass: a draft model's, whose drafts are
     *                  verified exactly anyway); 0 keeps the model's own attention spans
     */
    public Transformer(ModelConfig config, ModelWeights weights, Backend backend, int maxBatch, int maxLogitRows, int windowCap) {
        if (maxBatch < 1 || maxLogitRows < 1) throw new IllegalArgumentException("batch sizes must be >= 1");
        if (windowCap < 0) throw new IllegalArgumentException("attention window " + windowCap + ": expected >= 0");
        this.c = config;
        this.w = weights;
        this.be = backend;
        this.turn = TURNS.computeIfAbsent(backend, b -> new ReentrantLock(true));
        this.maxBatch = maxBatch;
        this.maxLogitRows = maxLogitRows;
        this.ropes = new Rope[c.layers()];
        this.attn = new AttentionParams[c.layers()];
        Rope global = c.rope().toRope(), local = c.ropeLocal().toRope();
        for (int l = 0; l < c.layers(); l++) {
            ropes[l] = c.isSliding(l) ? local : global;
            int window = c.windowOf(l);
            if (windowCap > 0) window = window > 0 ? Math.min(window, windowCap) : windowCap;
            attn[l] = new AttentionParams(c.heads(), c.kvHeads(), c.headDim(), c.attentionScale(), c.attnSoftcap(), window);
        }
        this.act = c.gelu() ? Backend.Activation.GELU_TANH : Backend.Activation.SILU;
        x = be.allocate((long) maxBatch * c.dim());
        xb = be.allocate((long) maxBatch * c.dim());
        q = be.allocate((long) maxBatch * c.qDim());
        k = be.allocate((long) maxBatch * c.kvDim());
        v = be.allocate((long) maxBatch * c.kvDim());
        att = be.allocate((long) maxBatch * c.qDim());
        hb = be.allocate((long) maxBatch * c.hiddenDim());
        hb2 = be.allocate((long) maxBatch * c.hiddenDim());
        logits = be.allocate((long) maxLogitRows * c.vocabSize());
        qkv = new Weight[c.layers()][];
        gateUp = new Weight[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights L = w.layers()[l];
            qkv[l] = new Weight[] {L.wq(), L.wk(), L.wv()};
            gateUp[l] = new Weight[] {L.gate(), L.up()};
        }
        qkvOut = new Buffer[] {q, k, v};
        gateUpOut = new Buffer[] {hb, hb2};
    }

    public ModelConfig config() { return c; }

    public Backend backend() { return be; }

    public int maxBatch() { return maxBatch; }

    /** A KV cache for this model of {@code capacity} positions. */
    public KvCache newCache(int capacity, dev.tessera.tensor.TensorType type) {
        return be.kvCache(c.layers(), capacity, c.kvHeads(), c.headDim(), type);
    }

    /**
     * Runs {@code tokens} at {@code positions} (RoPE), storing K/V in cache {@code slots}, with the
     * given attention {@code mask}; writes the logits of batch rows {@code logitRows} (ascending) to
     * {@code out}, row after row ({@code logitRows.length × vocab} floats).
     */
    public void forward(KvCache cache, int[] tokens, int[] positions, int[] slots, AttentionMask mask,
                        int[] logitRows, float[] out) {
        forward(cache, tokens, positions, slots, mask, logitRows, out, null);
    }

    /**
     * The same pass with some sub-layers left out ({@code skip} null: none), as a self-speculative
     * draft runs it. A skipped attention block writes no K/V for these slots; the verifying full
     * pass writes every layer's.
     */
    public void forward(KvCache cache, int[] tokens, int[] positions, int[] slots, AttentionMask mask,
                        int[] logitRows, float[] out, LayerSkip skip) {
        turn.lock();
        try {
            run(cache, tokens, positions, slots, mask, logitRows, out, skip);
        } finally {
            turn.unlock();
        }
    }

    private void run(KvCache cache, int[] tokens, int[] positions, int[] slots, AttentionMask mask,
                     int[] logitRows, float[] out, LayerSkip skip) {
        int n = tokens.length;
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens: expected 1.." + maxBatch);
        if (positions.length != n || slots.length != n) throw new IllegalArgumentException("tokens, positions and slots differ in length");
        if (out.length < (long) logitRows.length * c.vocabSize()) throw new IllegalArgumentException("logits array too small");
        int d = c.dim();

        be.embed(w.embedding(), tokens, x);
        if (c.embeddingScale() != 1f) be.scale(x, (long) n * d, c.embeddingScale());

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights L = w.layers()[l];
            if (skip == null || !skip.attention(l)) attention(l, L, cache, n, positions, slots, mask);
            if (skip == null || !skip.mlp(l)) {
                if (l == c.layers() - 1) lastFeedForward(l, L, n, logitRows);
                else feedForward(l, L, x, n);
            }
        }
        outputs(n, logitRows, out);
    }

    /**
     * The last layer's feed-forward only where logits are wanted when they are a contiguous run
     * (such as the last row), as llama.cpp does; else, and when none are wanted (a calibration pass
     * records every row's activations), on every row.
     */
    private void lastFeedForward(int l, LayerWeights L, int n, int[] rows) {
        int k = rows.length, d = c.dim();
        if (k > 0 && rows[k - 1] - rows[0] == k - 1) feedForward(l, L, x.slice((long) rows[0] * d, (long) k * d), k);
        else feedForward(l, L, x, n);
    }

    /** Attention block: x += Wo · attn(rope(norm(x) Wq), rope(norm(x) Wk), norm(x) Wv). */
    private void attention(int l, LayerWeights L, KvCache cache, int n, int[] positions, int[] slots, AttentionMask mask) {
        int d = c.dim();
        be.rmsNorm(x, L.attnNorm(), n, d, c.normEps(), xb);
        be.matmuls(qkv[l], xb, n, qkvOut);
        if (L.bq() != null) be.addBias(q, L.bq(), n);
        if (L.bk() != null) be.addBias(k, L.bk(), n);
        if (L.bv() != null) be.addBias(v, L.bv(), n);
        if (L.qNorm() != null) {
            be.rmsNorm(q, L.qNorm(), n * c.heads(), c.headDim(), c.normEps(), q);
            be.rmsNorm(k, L.kNorm(), n * c.kvHeads(), c.headDim(), c.normEps(), k);
        }
        be.rope(q, n, c.heads(), c.headDim(), positions, ropes[l]);
        be.rope(k, n, c.kvHeads(), c.headDim(), positions, ropes[l]);
        be.storeKv(cache, l, k, v, n, slots);
        be.attention(q, cache, l, n, positions, mask, attn[l], att);
        be.matmul(L.wo(), att, n, xb);
        if (L.postAttnNorm() != null) be.rmsNorm(xb, L.postAttnNorm(), n, d, c.normEps(), xb);
        be.add(x, xb, (long) n * d);
    }

    /** Feed-forward block: x += W_down · (act(norm(x) W_gate) ⊙ norm(x) W_up). */
    private void feedForward(int l, LayerWeights L, Buffer xs, int n) {
        int d = c.dim();
        be.rmsNorm(xs, L.ffnNorm(), n, d, c.normEps(), xb);
        be.matmuls(gateUp[l], xb, n, gateUpOut);
        int h = c.hiddenDim();
        if (h % 8 == 0) {
            be.gatedActivation(hb, hb2, (long) n * h, act);
        } else {
            // llama.cpp's vector loops leave each row's last h mod 8 elements to scalar code: row by row
            for (int i = 0; i < n; i++) be.gatedActivation(hb.slice((long) i * h, h), hb2.slice((long) i * h, h), h, act);
        }
        be.matmul(L.down(), hb, n, xb);
        if (L.postFfnNorm() != null) be.rmsNorm(xb, L.postFfnNorm(), n, d, c.normEps(), xb);
        be.add(xs, xb, (long) n * d);
    }

    /** Final norm and output projection, for runs of consecutive requested rows at a time. */
    private void outputs(int n, int[] rows, float[] out) {
        int d = c.dim(), vocab = c.vocabSize();
        int i = 0;
        while (i < rows.length) {
            int start = rows[i];
            if (start < 0 || start >= n || (i > 0 && start <= rows[i - 1])) {
                throw new IllegalArgumentException("logit rows must be ascending batch rows in 0.." + (n - 1));
            }
            int run = 1;
            while (i + run < rows.length && run < maxLogitRows && rows[i + run] == start + run) run++;
            Buffer xs = x.slice((long) start * d, (long) run * d);
            Buffer ys = xb.slice((long) start * d, (long) run * d);
            be.rmsNorm(xs, w.outputNorm(), run, d, c.normEps(), ys);
            Buffer ls = logits.slice(0, (long) run * vocab);
            be.matmul(w.output(), ys, run, ls);
            if (c.finalSoftcap() > 0) be.softcap(ls, (long) run * vocab, c.finalSoftcap());
            be.synchronize();
            if (i == 0 && out.length == run * vocab) {
                ls.read(0, out);
            } else {
                if (staging == null) staging = new float[maxLogitRows * vocab];
                logits.read(0, staging);
                System.arraycopy(staging, 0, out, i * vocab, run * vocab);
            }
            i += run;
        }
    }
}
