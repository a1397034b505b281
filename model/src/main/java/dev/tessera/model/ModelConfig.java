package dev.tessera.model;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.Metadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyper-parameters of a decoder-only transformer, whatever file it came from.
 *
 * @param architecture   canonical (GGUF) name: {@code llama}, {@code qwen2}, {@code qwen3}, {@code phi3},
 *                       {@code gemma}, {@code gemma2}, {@code gemma3}
 * @param dim            embedding width
 * @param hiddenDim      feed-forward inner width
 * @param headDim        width of one attention head (may differ from {@code dim / heads}, e.g. Gemma, Qwen3)
 * @param contextLength  training context
 * @param rope           rotary embedding of global-attention layers
 * @param ropeLocal      rotary embedding of sliding-window layers (Gemma 3), else the same as {@code rope}
 * @param tiedOutput     the output projection reuses the token embedding
 * @param qkvBias        Q/K/V projections carry a bias (Qwen2)
 * @param qkNorm         per-head RMSNorm of Q and K before RoPE (Qwen3, Gemma 3)
 * @param postNorms      extra RMSNorm after attention and after the FFN, before the residual add (Gemma 2/3)
 * @param gelu           GeGLU (tanh GELU) instead of SwiGLU (Gemma)
 * @param embeddingScale the token embedding is multiplied by this ({@code sqrt(dim)} for Gemma, else 1)
 * @param attentionScale scale of the attention scores
 * @param attnSoftcap    soft-cap of attention scores, 0 for none (Gemma 2)
 * @param finalSoftcap   soft-cap of the output logits, 0 for none (Gemma 2)
 * @param slidingWindow  sliding attention window in tokens, 0 for none
 * @param slidingPattern 0 or 1: every layer uses the window; n > 1: every n-th layer (1-based) is global
 */
public record ModelConfig(
        String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headDim,
        int contextLength, int vocabSize, RopeConfig rope, RopeConfig ropeLocal, float normEps,
        boolean tiedOutput, boolean qkvBias, boolean qkNorm, boolean postNorms, boolean gelu,
        float embeddingScale, float attentionScale, float attnSoftcap, float finalSoftcap,
        int slidingWindow, int slidingPattern) {

    /** Architectures whose forward pass Tessera implements. */
    public static final List<String> SUPPORTED = List.of("llama", "qwen2", "qwen3", "phi3", "gemma", "gemma2", "gemma3");

    public ModelConfig {
        check(dim > 0, "dim", dim);
        check(hiddenDim > 0, "hidden dim", hiddenDim);
        check(layers > 0, "layers", layers);
        check(heads > 0, "heads", heads);
        check(kvHeads > 0 && heads % kvHeads == 0, "kv heads (must divide heads " + heads + ")", kvHeads);
        check(headDim > 0 && headDim % 2 == 0, "head dim", headDim);
        check(contextLength > 0, "context length", contextLength);
        check(vocabSize > 0, "vocab size", vocabSize);
        check(rope.dims() <= headDim, "rope dims (must be <= head dim " + headDim + ")", rope.dims());
        if (ropeLocal == null) ropeLocal = rope;
    }

    private static void check(boolean ok, String what, int value) {
        if (!ok) throw new FormatException("model config: " + what + " = " + value + " is invalid");
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    /** True if {@code layer} attends through the sliding window. */
    public boolean isSliding(int layer) {
        if (slidingWindow <= 0) return false;
        return slidingPattern <= 1 || (layer + 1) % slidingPattern != 0;
    }

    /** Attention window of {@code layer}, 0 for full attention. */
    public int windowOf(int layer) { return isSliding(layer) ? slidingWindow : 0; }

    /** RoPE of {@code layer}. */
    public RopeConfig ropeOf(int layer) { return isSliding(layer) ? ropeLocal : rope; }

    public ModelConfig withRope(RopeConfig global, RopeConfig local) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, contextLength, vocabSize,
                global, local, normEps, tiedOutput, qkvBias, qkNorm, postNorms, gelu, embeddingScale, attentionScale,
                attnSoftcap, finalSoftcap, slidingWindow, slidingPattern);
    }

    public ModelConfig withTiedOutput(boolean tied) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, contextLength, vocabSize,
                rope, ropeLocal, normEps, tied, qkvBias, qkNorm, postNorms, gelu, embeddingScale, attentionScale,
                attnSoftcap, finalSoftcap, slidingWindow, slidingPattern);
    }

    // ------------------------------------------------------------------ GGUF

    /** From GGUF metadata ({@code <arch>.embedding_length} …) and the tensor table. */
    public static ModelConfig fromGguf(GgufFile file) {
        Metadata md = file.metadata();
        Path p = file.path();
        String arch = md.string("general.architecture")
                .orElseThrow(() -> FormatException.of(p, "general.architecture", "missing"));
        if (!SUPPORTED.contains(arch)) {
            throw FormatException.of(p, "general.architecture", "'" + arch + "' is not supported (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        String a = arch + ".";
        int dim = md.requireInt(a + "embedding_length", 1);
        int layers = md.requireInt(a + "block_count", 1);
        int hidden = md.requireInt(a + "feed_forward_length", 1);
        int heads = md.requireInt(a + "attention.head_count", 1);
        int kvHeads = md.integer(a + "attention.head_count_kv").map(Long::intValue).orElse(heads);
        int headDim = md.integer(a + "attention.key_length").map(Long::intValue).orElse(dim / heads);
        int ctx = md.requireInt(a + "context_length", 1);
        int vocab = md.integer(a + "vocab_size").map(Long::intValue)
                .or(() -> md.strings("tokenizer.ggml.tokens").map(List::size))
                .orElseGet(() -> file.hasTensor("token_embd.weight") ? (int) file.tensor("token_embd.weight").rows() : 0);
        float eps = md.number(a + "attention.layer_norm_rms_epsilon").orElse(1e-5).floatValue();
        int ropeDims = md.integer(a + "rope.dimension_count").map(Long::intValue).orElse(headDim);
        double theta = md.number(a + "rope.freq_base").orElse(10000.0);
        RopeScaling scaling = RopeScaling.NONE;
        String scalingType = md.string(a + "rope.scaling.type").orElse("none");
        double factor = md.number(a + "rope.scaling.factor").orElse(1.0);
        if (scalingType.equals("linear") && factor != 1.0) scaling = new RopeScaling.Linear((float) factor);
        else if (!scalingType.equals("none") && !scalingType.equals("linear")) {
            throw FormatException.of(p, a + "rope.scaling.type", "'" + scalingType + "' is not supported (none, linear)");
        }
        if (file.hasTensor("rope_freqs.weight")) scaling = new RopeScaling.FreqFactors(floats(file, "rope_freqs.weight"));
        if (file.hasTensor("rope_factors_long.weight")) {
            throw FormatException.of(p, "rope_factors_long.weight", "Phi-3 LongRoPE scaling is not supported");
        }
        boolean neox = !arch.equals("llama");
        RopeConfig rope = new RopeConfig(theta, ropeDims, neox, scaling);
        RopeConfig ropeLocal = rope;
        boolean tied = !file.hasTensor("output.weight");
        boolean bias = file.hasTensor("blk.0.attn_q.bias");
        boolean qkNorm = file.hasTensor("blk.0.attn_q_norm.weight");
        boolean gemma = arch.startsWith("gemma");
        boolean postNorms = arch.equals("gemma2") || arch.equals("gemma3");
        float embScale = gemma ? (float) Math.sqrt(dim) : 1f;
        float attnScale = (float) (1 / Math.sqrt(headDim));
        float attnCap = 0, finalCap = 0;
        int window = 0, pattern = 0;
        if (postNorms) {
            // Gemma 2/3 27B scale scores by the model width per head rather than the head width.
            boolean big = arch.equals("gemma2") ? layers == 46 : layers == 62;
            if (big) attnScale = (float) (1 / Math.sqrt((double) dim / heads));
            attnCap = md.number(a + "attn_logit_softcapping").orElse(0.0).floatValue();
            finalCap = md.number(a + "final_logit_softcapping").orElse(0.0).floatValue();
            window = md.integer(a + "attention.sliding_window").map(Long::intValue).orElse(0);
            pattern = md.integer(a + "attention.sliding_window_pattern").map(Long::intValue)
                    .orElse(arch.equals("gemma2") ? 2 : 6);
            if (arch.equals("gemma3")) ropeLocal = new RopeConfig(10000.0, ropeDims, true, RopeScaling.NONE);
        }
        return new ModelConfig(arch, dim, hidden, layers, heads, kvHeads, headDim, ctx, vocab, rope, ropeLocal, eps,
                tied, bias, qkNorm, postNorms, gemma, embScale, attnScale, attnCap, finalCap, window, pattern);
    }

    private static float[] floats(GgufFile f, String name) {
        var t = f.tensor(name);
        if (t.type() != dev.tessera.tensor.TensorType.F32) throw FormatException.of(f.path(), name, "expected F32, found " + t.type());
        return t.data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }

    // ------------------------------------------------------------------ llama2.c

    /** From a llama2.c checkpoint header (Llama layout, adjacent-pair RoPE, theta 10000, eps 1e-5). */
    public static ModelConfig fromLlama2c(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                                          int seqLen, boolean sharedClassifier) {
        int headDim = dim / heads;
        RopeConfig rope = new RopeConfig(10000.0, headDim, false, RopeScaling.NONE);
        return new ModelConfig("llama", dim, hiddenDim, layers, heads, kvHeads, headDim, seqLen, vocabSize, rope, rope,
                1e-5f, sharedClassifier, false, false, false, false, 1f, (float) (1 / Math.sqrt(headDim)), 0, 0, 0, 0);
    }

    // ------------------------------------------------------------------ Hugging Face

    /** From a Hugging Face {@code config.json} (already parsed); {@code source} names the file in errors. */
    public static ModelConfig fromHfConfig(Map<String, Object> json, Path source) {
        Hf c = new Hf(json, source);
        String arch = hfArchitecture(c);
        if (c.json.get("text_config") instanceof Map<?, ?> text) {
            @SuppressWarnings("unchecked") Map<String, Object> t = (Map<String, Object>) text;
            c = new Hf(t, source);
        }
        int dim = c.intv("hidden_size", null);
        int heads = c.intv("num_attention_heads", null);
        int kvHeads = c.intv("num_key_value_heads", heads);
        int headDim = c.has("head_dim") ? c.intv("head_dim", null) : dim / heads;
        int layers = c.intv("num_hidden_layers", null);
        int hidden = c.intv("intermediate_size", null);
        int ctx = c.intv("max_position_embeddings", 2048);
        int vocab = c.intv("vocab_size", null);
        float eps = (float) c.num("rms_norm_eps", 1e-6);
        double theta = c.num("rope_theta", 10000.0);
        double partial = c.num("partial_rotary_factor", 1.0);
        int ropeDims = (int) Math.round(headDim * partial);
        RopeScaling scaling = hfScaling(c);
        RopeConfig rope = new RopeConfig(theta, ropeDims, true, scaling);
        RopeConfig ropeLocal = rope;
        boolean gemma = arch.startsWith("gemma");
        boolean postNorms = arch.equals("gemma2") || arch.equals("gemma3");
        boolean tied = c.bool("tie_word_embeddings", gemma);
        boolean bias = arch.equals("qwen2") || c.bool("attention_bias", false);
        boolean qkNorm = arch.equals("qwen3") || arch.equals("gemma3");
        float embScale = gemma ? (float) Math.sqrt(dim) : 1f;
        float attnScale = (float) (1 / Math.sqrt(c.num("query_pre_attn_scalar", headDim)));
        float attnCap = (float) c.num("attn_logit_softcapping", 0);
        float finalCap = (float) c.num("final_logit_softcapping", 0);
        int window = 0, pattern = 0;
        boolean swaUsed = c.has("use_sliding_window") ? c.bool("use_sliding_window", false) : true;
        if (swaUsed && c.has("sliding_window")) window = c.intv("sliding_window", 0);
        if (postNorms) {
            pattern = c.intv("sliding_window_pattern", arch.equals("gemma2") ? 2 : 6);
            if (arch.equals("gemma3")) ropeLocal = new RopeConfig(c.num("rope_local_base_freq", 10000.0), ropeDims, true, RopeScaling.NONE);
        }
        return new ModelConfig(arch, dim, hidden, layers, heads, kvHeads, headDim, ctx, vocab, rope, ropeLocal, eps,
                tied, bias, qkNorm, postNorms, gemma, embScale, attnScale, attnCap, finalCap, window, pattern);
    }

    private static String hfArchitecture(Hf c) {
        String name = null;
        if (c.json.get("architectures") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s) name = s;
        String type = c.json.get("model_type") instanceof String s ? s : "";
        String key = (name != null ? name : type).toLowerCase(Locale.ROOT);
        if (key.startsWith("llama") || key.startsWith("mistral")) return "llama";
        if (key.startsWith("qwen3") && !key.contains("moe")) return "qwen3";
        if (key.startsWith("qwen2") && !key.contains("moe") && !key.contains("vl")) return "qwen2";
        if (key.startsWith("phi3")) return "phi3";
        if (key.startsWith("gemma3")) return "gemma3";
        if (key.startsWith("gemma2")) return "gemma2";
        if (key.startsWith("gemma")) return "gemma";
        throw FormatException.of(c.source, "architectures", "'" + (name != null ? name : type)
                + "' is not supported (Llama, Mistral, Qwen2, Qwen3, Phi3, Gemma, Gemma2, Gemma3)");
    }

    private static RopeScaling hfScaling(Hf c) {
        if (!(c.json.get("rope_scaling") instanceof Map<?, ?> m)) return RopeScaling.NONE;
        Object t = m.get("rope_type") != null ? m.get("rope_type") : m.get("type");
        String type = String.valueOf(t);
        double factor = m.get("factor") instanceof Number n ? n.doubleValue() : 1.0;
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear((float) factor);
            case "llama3" -> new RopeScaling.Llama3((float) factor, num(m, "low_freq_factor", 1),
                    num(m, "high_freq_factor", 4), (int) num(m, "original_max_position_embeddings", 8192));
            default -> throw FormatException.of(c.source, "rope_scaling", "type '" + type + "' is not supported (linear, llama3)");
        };
    }

    private static float num(Map<?, ?> m, String k, double dflt) {
        return m.get(k) instanceof Number n ? n.floatValue() : (float) dflt;
    }

    /** Typed access to config.json fields, failing with the field name. */
    private record Hf(Map<String, Object> json, Path source) {
        boolean has(String k) { return json.get(k) != null; }

        int intv(String k, Integer dflt) {
            Object v = json.get(k);
            if (v == null) {
                if (dflt == null) throw FormatException.of(source, k, "missing");
                return dflt;
            }
            if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) throw FormatException.of(source, k, "expected a positive integer, found " + v);
            return (int) (long) l;
        }

        double num(String k, double dflt) {
            Object v = json.get(k);
            if (v == null) return dflt;
            if (!(v instanceof Number n)) throw FormatException.of(source, k, "expected a number, found " + v);
            return n.doubleValue();
        }

        boolean bool(String k, boolean dflt) {
            Object v = json.get(k);
            if (v == null) return dflt;
            if (!(v instanceof Boolean b)) throw FormatException.of(source, k, "expected true or false, found " + v);
            return b;
        }
    }
}
