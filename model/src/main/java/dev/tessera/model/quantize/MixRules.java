package dev.tessera.model.quantize;

import dev.tessera.model.FormatException;
import dev.tessera.tensor.TensorType;

/**
 * Chooses the type of each quantized matrix the way llama-quantize (llama.cpp build 4748) does for
 * a preset: the output matrix (or the tied token embedding) gets more bits, and the mixes give
 * {@code attn_v} and {@code ffn_down} more bits in the layers {@link #useMoreBits} picks. Like
 * llama.cpp, the layer position of {@code attn_v} and {@code ffn_down} is the count of such
 * tensors seen so far, so {@link #choose} must be called in llama.cpp's order ({@link ModelQuantizer#LLAMA_ORDER}).
 * Tensors whose rows do not fit the chosen block fall back per tensor to a type that fits.
 */
final class MixRules {
    private final Preset ftype;
    private final String arch;
    private final int gqa;
    private final int experts;
    private final int layers;
    private final int attentionWv;
    private final boolean hasOutput;
    private final boolean hasImatrix;
    private int iAttentionWv;
    private int iFfnDown;
    private int fallbacks;

    /**
     * @param attentionWv how many {@code attn_v}/{@code attn_qkv} tensors the model has
     * @param hasOutput   the model has its own {@code output.weight} (else the embedding is tied)
     */
    MixRules(Preset ftype, String arch, int layers, int heads, int kvHeads, int experts, int attentionWv,
             boolean hasOutput, boolean hasImatrix) {
        this.ftype = ftype;
        this.arch = arch;
        this.layers = layers;
        this.gqa = kvHeads > 0 ? heads / kvHeads : 1;
        this.experts = Math.max(1, experts);
        this.attentionWv = attentionWv;
        this.hasOutput = hasOutput;
        this.hasImatrix = hasImatrix;
    }

    /** Tensors that fell back to another type because their rows did not fit the chosen block. */
    int fallbacks() { return fallbacks; }

    /** llama.cpp's layer picker: the first and last eighth, and every third layer between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** The type of matrix {@code name} whose rows have {@code rowLength} elements. */
    TensorType choose(String name, long rowLength) {
        TensorType t = upgrade(name, ftype.defaultType(), rowLength);
        if (rowLength % t.blockLength() == 0) return t;
        TensorType f = switch (t) {
            // llama.cpp uses IQ4_NL here, which Tessera does not implement: Q4_0 has the same block and size
            case Q2_K, Q3_K -> TensorType.Q4_0;
            case Q4_K -> TensorType.Q5_0;
            case Q5_K -> TensorType.Q5_1;
            case Q6_K -> TensorType.Q8_0;
            default -> throw new FormatException("tensor " + name + ": rows of " + rowLength
                    + " elements are not a multiple of the " + t + " block of " + t.blockLength());
        };
        fallbacks++;
        return rowLength % f.blockLength() == 0 ? f : TensorType.F16;
    }

    private int layerOf(String name, int counter) {
        if (experts == 1) return counter;
        // Expert tensors are not stored layer by layer, so the layer comes from the name.
        if (name.startsWith("blk.")) {
            int dot = name.indexOf('.', 4);
            if (dot > 4) {
                try {
                    int l = Integer.parseInt(name.substring(4, dot));
                    if (l >= 0 && l < layers) return l;
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
        }
        throw new FormatException("tensor " + name + ": cannot tell its layer (expected blk.<0.." + (layers - 1) + ">.)");
    }

    private boolean is(Preset... ps) {
        for (Preset p : ps) if (ftype == p) return true;
        return false;
    }

    private TensorType upgrade(String name, TensorType t, long rowLength) {
        boolean falcon = arch.equals("falcon");
        if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
            if (falcon || rowLength % t.blockLength() != 0) return TensorType.Q8_0;
            return t == TensorType.Q8_0 ? t : TensorType.Q6_K;
        }
        if (name.equals("token_embd.weight")) return t;
        if (name.contains("attn_v.weight")) {
            if (is(Preset.Q2_K)) t = gqa >= 4 ? TensorType.Q4_K : TensorType.Q3_K;
            else if (is(Preset.Q2_K_S) && gqa >= 4) t = TensorType.Q4_K;
            else if (is(Preset.Q3_K_M)) t = iAttentionWv < 2 ? TensorType.Q5_K : TensorType.Q4_K;
            else if (is(Preset.Q3_K_L)) t = TensorType.Q5_K;
            else if (is(Preset.Q4_K_M, Preset.Q5_K_M) && useMoreBits(iAttentionWv, attentionWv)) t = TensorType.Q6_K;
            else if (is(Preset.Q4_K_S) && iAttentionWv < 4) t = TensorType.Q5_K;
            if (experts == 8) t = TensorType.Q8_0;
            iAttentionWv++;
            return t;
        }
        if (name.contains("attn_k.weight")) {
            return experts == 8 ? TensorType.Q8_0 : t;
        }
        if (name.contains("ffn_down")) {
            int layer = layerOf(name, iFfnDown);
            if (is(Preset.Q2_K)) t = TensorType.Q3_K;
            else if (is(Preset.Q2_K_S)) {
                if (layer < layers / 8) t = TensorType.Q4_K;
            } else if (is(Preset.Q3_K_M)) {
                t = layer < layers / 16 ? TensorType.Q5_K
                        : !falcon || useMoreBits(layer, layers) ? TensorType.Q4_K : TensorType.Q3_K;
            } else if (is(Preset.Q3_K_L)) {
                t = falcon ? TensorType.Q4_K : TensorType.Q5_K;
            } else if (is(Preset.Q4_K_M)) {
                if (falcon) {
                    t = layer < layers / 16 ? TensorType.Q6_K : useMoreBits(layer, layers) ? TensorType.Q5_K : TensorType.Q4_K;
                } else if (useMoreBits(layer, layers)) {
                    t = TensorType.Q6_K;
                }
            } else if (is(Preset.Q5_K_M) && useMoreBits(layer, layers)) {
                t = TensorType.Q6_K;
            } else if (is(Preset.Q4_K_S) && !falcon && layer < layers / 8) {
                t = TensorType.Q5_K;
            } else if (is(Preset.Q4_0, Preset.Q5_0) && hasImatrix && layer < layers / 8) {
                // llama.cpp guards the first ffn_down layers only when an imatrix is given
                t = ftype == Preset.Q4_0 ? TensorType.Q4_1 : TensorType.Q5_1;
            }
            iFfnDown++;
            return t;
        }
        if (name.contains("attn_output.weight")) {
            if (!falcon) {
                if (experts == 8) {
                    if (is(Preset.Q2_K, Preset.Q3_K_S, Preset.Q3_K_M, Preset.Q4_K_S, Preset.Q4_K_M)) t = TensorType.Q5_K;
                } else {
                    if (is(Preset.Q2_K)) t = TensorType.Q3_K;
                    else if (is(Preset.Q3_K_M)) t = TensorType.Q4_K;
                    else if (is(Preset.Q3_K_L)) t = TensorType.Q5_K;
                }
            } else if (is(Preset.Q3_K_L)) {
                t = TensorType.Q4_K;
            }
            return t;
        }
        if (name.contains("attn_qkv.weight")) {
            if (is(Preset.Q3_K_M, Preset.Q3_K_L)) t = TensorType.Q4_K;
            else if (is(Preset.Q4_K_M)) t = TensorType.Q5_K;
            else if (is(Preset.Q5_K_M)) t = TensorType.Q6_K;
            return t;
        }
        return t;
    }
}
