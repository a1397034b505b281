package dev.tessera.model;

import dev.tessera.tensor.Weight;

/**
 * The weights of one transformer block. Optional parts are null: biases (Qwen2), per-head Q/K
 * norms (Qwen3, Gemma 3), post-attention and post-FFN norms (Gemma 2/3).
 */
public record LayerWeights(
        Weight attnNorm, Weight wq, Weight wk, Weight wv, Weight wo,
        Weight bq, Weight bk, Weight bv, Weight qNorm, Weight kNorm, Weight postAttnNorm,
        Weight ffnNorm, Weight gate, Weight up, Weight down, Weight postFfnNorm) {}
