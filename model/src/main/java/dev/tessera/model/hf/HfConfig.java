package dev.tessera.model.hf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The architecture fields of a Hugging Face {@code config.json}. For multimodal configs the
 * fields come from {@code text_config}. {@code raw} is the whole parsed file for anything else.
 *
 * @param numKeyValueHeads defaults to {@code numAttentionHeads} (multi-head attention)
 * @param headDim          present only when the file gives it (else {@code hiddenSize / heads})
 * @param ropeScaling      the {@code rope_scaling} object, if any
 */
public record HfConfig(Path file, Map<String, Object> raw, List<String> architectures, Optional<String> modelType,
                       int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                       int numKeyValueHeads, OptionalInt headDim, int vocabSize, OptionalInt maxPositionEmbeddings,
                       Optional<Double> rmsNormEps, Optional<Double> ropeTheta, Optional<Map<String, Object>> ropeScaling,
                       boolean tieWordEmbeddings, Optional<String> torchDtype, Optional<String> hiddenAct,
                       List<Integer> bosTokenIds, List<Integer> eosTokenIds) {
    public static final String FILE = "config.json";

    public static HfConfig read(Path file) {
        JsonFields top = JsonFields.read(file);
        JsonFields f = top.object("text_config").orElse(top);
        int heads = f.requirePositive("num_attention_heads");
        int kvHeads = f.positive("num_key_value_heads").orElse(heads);
        if (heads % kvHeads != 0) {
            throw dev.tessera.model.FormatException.of(file, f.prefix() + "num_key_value_heads", kvHeads
                    + " does not divide num_attention_heads " + heads);
        }
        List<String> archs = top.strings("architectures");
        return new HfConfig(file, top.json(), archs, top.string("model_type"),
                f.requirePositive("hidden_size"), f.requirePositive("intermediate_size"), f.requirePositive("num_hidden_layers"),
                heads, kvHeads, f.positive("head_dim"), f.requirePositive("vocab_size"), f.positive("max_position_embeddings"),
                boxed(f.number("rms_norm_eps")), boxed(f.number("rope_theta")), f.object("rope_scaling").map(JsonFields::json),
                f.bool("tie_word_embeddings").or(() -> top.bool("tie_word_embeddings")).orElse(false),
                top.string("torch_dtype").or(() -> f.string("torch_dtype")), f.string("hidden_act"),
                f.integers("bos_token_id"), f.integers("eos_token_id"));
    }

    private static Optional<Double> boxed(java.util.OptionalDouble d) {
        return d.isPresent() ? Optional.of(d.getAsDouble()) : Optional.empty();
    }

    /** The first of {@code architectures}, else {@code model_type}, else "unknown". */
    public String architectureName() {
        return architectures.isEmpty() ? modelType.orElse("unknown") : architectures.get(0);
    }
}
