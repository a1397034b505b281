package dev.tessera.model;

import dev.tessera.model.weights.WeightLoader;
import dev.tessera.tensor.Weight;

/**
 * The model families Tessera runs. They share one forward pass ({@link Transformer}); a family
 * decides which tensors a block has and how they are laid out in the file.
 */
public sealed interface Architecture {
    /** Llama 1/2/3/3.1+, Mistral, and llama2.c checkpoints. Optional Q/K/V biases are honoured. */
    record Llama() implements Architecture {}

    /** Qwen2 / Qwen2.5: Llama with Q/K/V biases. */
    record Qwen2() implements Architecture {}

    /** Qwen3: Llama with per-head RMSNorm of Q and K. */
    record Qwen3() implements Architecture {}

    /** Phi-3: fused {@code attn_qkv} and fused gate/up in {@code ffn_up} (gate first). */
    record Phi3() implements Architecture {}

    /**
     * Gemma 1/2/3: GeGLU, scaled embedding, (1+w) norms (already folded into GGUF weights); from
     * generation 2 on, post-attention and post-FFN norms and sliding-window layers; 3 adds Q/K norms.
     */
    record Gemma(int generation) implements Architecture {}

    /** The family of a config's {@link ModelConfig#architecture()}. */
    static Architecture of(ModelConfig c) {
        return switch (c.architecture()) {
            case "llama" -> new Llama();
            case "qwen2" -> new Qwen2();
            case "qwen3" -> new Qwen3();
            case "phi3" -> new Phi3();
            case "gemma" -> new Gemma(1);
            case "gemma2" -> new Gemma(2);
            case "gemma3" -> new Gemma(3);
            default -> throw new FormatException("architecture '" + c.architecture() + "' is not supported");
        };
    }

    /** Loads the weights of block {@code i}. */
    default LayerWeights layer(int i, ModelConfig c, WeightLoader w) {
        String p = "blk." + i + ".";
        int d = c.dim(), q = c.qDim(), kv = c.kvDim(), h = c.hiddenDim();
        Weight wq, wk, wv, gate, up;
        if (this instanceof Phi3) {
            Weight[] qkv = w.splitRows(p + "attn_qkv.weight", d, q, kv, kv);
            wq = qkv[0];
            wk = qkv[1];
            wv = qkv[2];
            Weight[] gu = w.splitRows(p + "ffn_up.weight", d, h, h);
            gate = gu[0];
            up = gu[1];
        } else {
            wq = w.matrix(p + "attn_q.weight", q, d);
            wk = w.matrix(p + "attn_k.weight", kv, d);
            wv = w.matrix(p + "attn_v.weight", kv, d);
            gate = w.matrix(p + "ffn_gate.weight", h, d);
            up = w.matrix(p + "ffn_up.weight", h, d);
        }
        boolean biasRequired = this instanceof Qwen2;
        Weight bq = biasRequired ? w.vector(p + "attn_q.bias", q) : w.optionalVector(p + "attn_q.bias", q).orElse(null);
        Weight bk = biasRequired ? w.vector(p + "attn_k.bias", kv) : w.optionalVector(p + "attn_k.bias", kv).orElse(null);
        Weight bv = biasRequired ? w.vector(p + "attn_v.bias", kv) : w.optionalVector(p + "attn_v.bias", kv).orElse(null);
        boolean qkNorm = this instanceof Qwen3 || (this instanceof Gemma g && g.generation() >= 3);
        Weight qNorm = qkNorm ? w.vector(p + "attn_q_norm.weight", c.headDim()) : null;
        Weight kNorm = qkNorm ? w.vector(p + "attn_k_norm.weight", c.headDim()) : null;
        boolean post = this instanceof Gemma g && g.generation() >= 2;
        Weight postAttn = post ? w.vector(p + "post_attention_norm.weight", d) : null;
        Weight postFfn = post ? w.vector(p + "post_ffw_norm.weight", d) : null;
        return new LayerWeights(
                w.vector(p + "attn_norm.weight", d), wq, wk, wv, w.matrix(p + "attn_output.weight", d, q),
                bq, bk, bv, qNorm, kNorm, postAttn,
                w.vector(p + "ffn_norm.weight", d), gate, up, w.matrix(p + "ffn_down.weight", d, h), postFfn);
    }

    /** Loads every weight of the model. */
    default ModelWeights load(ModelConfig c, WeightLoader w) {
        Weight embd = w.matrix("token_embd.weight", c.vocabSize(), c.dim());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < layers.length; i++) layers[i] = layer(i, c, w);
        Weight norm = w.vector("output_norm.weight", c.dim());
        Weight out = w.has("output.weight") ? w.matrix("output.weight", c.vocabSize(), c.dim()) : embd;
        return new ModelWeights(embd, layers, norm, out);
    }
}
