package dev.tessera.kernels.cuda;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.Metadata;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.AttentionParams;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.Buffer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.Rope;
import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;

/**
 * A minimal Llama forward pass over {@link Backend}, for tests that run the same real model on two
 * backends (the project's model code lives elsewhere; this is only a harness). Adjacent-pair RoPE,
 * as GGUF llama files expect; tied output embedding when {@code output.weight} is absent.
 */
final class MiniLlama implements AutoCloseable {
    final int dim, layers, heads, kvHeads, headDim, ffn, vocab, maxBatch;
    private final float eps;
    private final Backend be;
    private final Weight embd, outNorm, output;
    private final Weight[] attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down;
    private final Rope rope;
    private final AttentionParams params;
    final KvCache cache;
    private final Buffer x, xb, q, k, v, att, xo, hb, hb2, logits;

    MiniLlama(GgufFile f, Backend be, int capacity, TensorType kvType, int maxBatch) {
        this.be = be;
        this.maxBatch = maxBatch;
        Metadata m = f.metadata();
        String a = m.requireString("general.architecture");
        dim = (int) m.requireInteger(a + ".embedding_length");
        layers = (int) m.requireInteger(a + ".block_count");
        heads = (int) m.requireInteger(a + ".attention.head_count");
        kvHeads = m.integer(a + ".attention.head_count_kv").map(Long::intValue).orElse(heads);
        ffn = (int) m.requireInteger(a + ".feed_forward_length");
        eps = m.number(a + ".attention.layer_norm_rms_epsilon").map(Double::floatValue).orElse(1e-5f);
        headDim = dim / heads;
        int ropeDims = m.integer(a + ".rope.dimension_count").map(Long::intValue).orElse(headDim);
        rope = Rope.standard(ropeDims, m.number(a + ".rope.freq_base").orElse(10000.0), false);
        params = new AttentionParams(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), 0, 0);
        embd = be.load(f.tensor("token_embd.weight"));
        vocab = (int) embd.rows();
        outNorm = be.load(f.tensor("output_norm.weight"));
        output = f.hasTensor("output.weight") ? be.load(f.tensor("output.weight")) : embd;
        attnNorm = new Weight[layers]; wq = new Weight[layers]; wk = new Weight[layers]; wv = new Weight[layers];
        wo = new Weight[layers]; ffnNorm = new Weight[layers]; gate = new Weight[layers]; up = new Weight[layers];
        down = new Weight[layers];
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            attnNorm[l] = be.load(f.tensor(p + "attn_norm.weight"));
            wq[l] = be.load(f.tensor(p + "attn_q.weight"));
            wk[l] = be.load(f.tensor(p + "attn_k.weight"));
            wv[l] = be.load(f.tensor(p + "attn_v.weight"));
            wo[l] = be.load(f.tensor(p + "attn_output.weight"));
            ffnNorm[l] = be.load(f.tensor(p + "ffn_norm.weight"));
            gate[l] = be.load(f.tensor(p + "ffn_gate.weight"));
            up[l] = be.load(f.tensor(p + "ffn_up.weight"));
            down[l] = be.load(f.tensor(p + "ffn_down.weight"));
        }
        cache = be.kvCache(layers, capacity, kvHeads, headDim, kvType);
        int kv = kvHeads * headDim;
        x = be.allocate((long) maxBatch * dim); xb = be.allocate((long) maxBatch * dim); xo = be.allocate((long) maxBatch * dim);
        q = be.allocate((long) maxBatch * dim); att = be.allocate((long) maxBatch * dim);
        k = be.allocate((long) maxBatch * kv); v = be.allocate((long) maxBatch * kv);
        hb = be.allocate((long) maxBatch * ffn); hb2 = be.allocate((long) maxBatch * ffn);
        logits = be.allocate((long) maxBatch * vocab);
    }

    /** Queues the forward pass of {@code tokens} at {@code positions} into {@code slots}; logits land in {@link #logits()}. */
    void forward(int[] tokens, int[] positions, int[] slots, AttentionMask mask) {
        int n = tokens.length;
        if (n > maxBatch) throw new IllegalArgumentException(n + " tokens > batch " + maxBatch);
        be.embed(embd, tokens, x);
        for (int l = 0; l < layers; l++) {
            be.rmsNorm(x, attnNorm[l], n, dim, eps, xb);
            be.matmul(wq[l], xb, n, q);
            be.matmul(wk[l], xb, n, k);
            be.matmul(wv[l], xb, n, v);
            be.rope(q, n, heads, headDim, positions, rope);
            be.rope(k, n, kvHeads, headDim, positions, rope);
            be.storeKv(cache, l, k, v, n, slots);
            be.attention(q, cache, l, n, positions, mask, params, att);
            be.matmul(wo[l], att, n, xo);
            be.add(x, xo, (long) n * dim);
            be.rmsNorm(x, ffnNorm[l], n, dim, eps, xb);
            be.matmul(gate[l], xb, n, hb);
            be.matmul(up[l], xb, n, hb2);
            be.gatedActivation(hb, hb2, (long) n * ffn, Backend.Activation.SILU);
            be.matmul(down[l], hb, n, xo);
            be.add(x, xo, (long) n * dim);
        }
        be.rmsNorm(x, outNorm, n, dim, eps, xb);
        be.matmul(output, xb, n, logits);
    }

    /** A chain of tokens at consecutive positions from {@code start} (slot = position). */
    void forward(int[] tokens, int start) {
        int[] pos = new int[tokens.length];
        for (int i = 0; i < pos.length; i++) pos[i] = start + i;
        forward(tokens, pos, pos, AttentionMask.CAUSAL);
    }

    Buffer logits() { return logits; }

    float[] logitsRow(int row) {
        float[] out = new float[vocab];
        logits.read((long) row * vocab, out);
        return out;
    }

    @Override
    public void close() { cache.close(); }
}
