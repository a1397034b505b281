package dev.tessera.testmodels;

import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.GgufValueType;
import dev.tessera.model.gguf.GgufWriter;
import dev.tessera.model.json.Json;
import dev.tessera.model.safetensors.SafetensorsWriter;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import dev.tessera.testmodels.TinyModel.Matrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link TinyModel} the way each family ships: GGUF with llama.cpp's names and layouts
 * (Phi-3 fused QKV and gate/up, Gemma norms holding {@code 1 + w}, Llama 3.1 scaling as
 * {@code rope_freqs}), or a Hugging Face folder (config.json + model.safetensors, HF names,
 * Gemma norms holding {@code w}). GGUF files carry a small SentencePiece vocabulary with ChatML
 * tokens and a ChatML chat template, so the CLI can run and chat with them.
 */
public final class TinyModelWriter {
    private TinyModelWriter() {}

    /** ChatML, as Qwen ships it (recognised by its markers). */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public static void writeGguf(TinyModel m, Path file) throws IOException {
        TinySpec s = m.spec();
        String a = s.arch() + ".";
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string(s.arch()));
        w.put("general.name", GgufValue.string("tiny-" + s.arch()));
        w.put(a + "context_length", GgufValue.uint32(s.context()));
        w.put(a + "embedding_length", GgufValue.uint32(s.dim()));
        w.put(a + "block_count", GgufValue.uint32(s.layers()));
        w.put(a + "feed_forward_length", GgufValue.uint32(s.hidden()));
        w.put(a + "attention.head_count", GgufValue.uint32(s.heads()));
        w.put(a + "attention.head_count_kv", GgufValue.uint32(s.kvHeads()));
        w.put(a + "attention.key_length", GgufValue.uint32(s.headDim()));
        w.put(a + "attention.value_length", GgufValue.uint32(s.headDim()));
        w.put(a + "rope.dimension_count", GgufValue.uint32(s.headDim()));
        w.put(a + "rope.freq_base", GgufValue.float32((float) s.theta()));
        w.put(a + "attention.layer_norm_rms_epsilon", GgufValue.float32(s.eps()));
        if (s.attnCap() > 0) w.put(a + "attn_logit_softcapping", GgufValue.float32(s.attnCap()));
        if (s.finalCap() > 0) w.put(a + "final_logit_softcapping", GgufValue.float32(s.finalCap()));
        if (s.window() > 0) {
            w.put(a + "attention.sliding_window", GgufValue.uint32(s.window()));
            w.put(a + "attention.sliding_window_pattern", GgufValue.uint32(s.pattern()));
        }
        vocabulary(w, s.vocab());
        for (Map.Entry<String, Matrix> e : ggufTensors(m).entrySet()) w.tensor(tensor(e.getKey(), e.getValue()));
        w.write(file);
    }

    private static Map<String, Matrix> ggufTensors(TinyModel m) {
        TinySpec s = m.spec();
        Map<String, Matrix> out = new LinkedHashMap<>();
        for (Map.Entry<String, Matrix> e : m.weights().entrySet()) {
            String n = e.getKey();
            if (s.arch().equals("phi3") && n.matches("blk\\.\\d+\\.(attn_[qkv]|ffn_gate|ffn_up)\\.weight")) continue;
            out.put(n, e.getValue());
        }
        if (s.arch().equals("phi3")) {
            for (int l = 0; l < s.layers(); l++) {
                String p = "blk." + l + ".";
                out.put(p + "attn_qkv.weight", stack(m.get(p + "attn_q.weight"), m.get(p + "attn_k.weight"), m.get(p + "attn_v.weight")));
                out.put(p + "ffn_up.weight", stack(m.get(p + "ffn_gate.weight"), m.get(p + "ffn_up.weight")));
            }
        }
        if (s.llama3Factor() > 0) {
            double[] plain = s.plainFrequencies(s.theta()), scaled = s.frequencies(0);
            float[] factors = new float[plain.length];
            for (int i = 0; i < factors.length; i++) factors[i] = (float) (plain[i] / scaled[i]);
            out.put("rope_freqs.weight", new Matrix(1, factors.length, factors));
        }
        return out;
    }

    /** A Hugging Face folder: config.json and model.safetensors. */
    public static void writeSafetensors(TinyModel m, Path dir) throws IOException {
        TinySpec s = m.spec();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), Json.write(hfConfig(s)));
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("format", "pt");
        boolean gemma = s.arch().startsWith("gemma");
        for (Map.Entry<String, Matrix> e : ggufTensors(m).entrySet()) {
            if (e.getKey().equals("rope_freqs.weight")) continue; // HF states the scaling in config.json
            String hf = hfName(s, e.getKey());
            Matrix mat = e.getValue();
            if (gemma && e.getKey().endsWith("norm.weight")) mat = minusOne(mat);
            w.tensor(tensor(hf, mat));
        }
        w.write(dir.resolve("model.safetensors"));
    }

    private static Map<String, Object> hfConfig(TinySpec s) {
        Map<String, Object> c = new LinkedHashMap<>();
        boolean mistral = s.arch().equals("llama") && s.window() > 0;
        String cls = switch (s.arch()) {
            case "llama" -> mistral ? "MistralForCausalLM" : "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            case "gemma" -> "GemmaForCausalLM";
            case "gemma2" -> "Gemma2ForCausalLM";
            default -> "Gemma3ForCausalLM";
        };
        c.put("architectures", List.of(cls));
        c.put("model_type", mistral ? "mistral" : s.arch());
        c.put("hidden_size", (long) s.dim());
        c.put("intermediate_size", (long) s.hidden());
        c.put("num_hidden_layers", (long) s.layers());
        c.put("num_attention_heads", (long) s.heads());
        c.put("num_key_value_heads", (long) s.kvHeads());
        c.put("head_dim", (long) s.headDim());
        c.put("max_position_embeddings", (long) s.context());
        c.put("vocab_size", (long) s.vocab());
        c.put("rms_norm_eps", (double) s.eps());
        c.put("rope_theta", s.theta());
        c.put("tie_word_embeddings", s.tied());
        if (s.llama3Factor() > 0) {
            c.put("rope_scaling", Map.of("rope_type", "llama3", "factor", (double) s.llama3Factor(), "low_freq_factor", 1.0,
                    "high_freq_factor", 4.0, "original_max_position_embeddings", (long) s.llama3Context()));
        }
        if (s.arch().startsWith("qwen")) {
            c.put("use_sliding_window", false);
            c.put("sliding_window", 32L);
        }
        if (s.arch().startsWith("gemma")) {
            c.put("hidden_activation", "gelu_pytorch_tanh");
            c.put("query_pre_attn_scalar", (long) s.headDim());
        }
        if (s.attnCap() > 0) c.put("attn_logit_softcapping", (double) s.attnCap());
        if (s.finalCap() > 0) c.put("final_logit_softcapping", (double) s.finalCap());
        if (s.window() > 0) c.put("sliding_window", (long) s.window());
        if (s.pattern() > 0) c.put("sliding_window_pattern", (long) s.pattern());
        if (s.arch().equals("gemma3")) c.put("rope_local_base_freq", s.localTheta());
        c.put("bos_token_id", 1L);
        c.put("eos_token_id", 2L);
        c.put("torch_dtype", "float32");
        return c;
    }

    private static String hfName(TinySpec s, String canonical) {
        switch (canonical) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default: break;
        }
        String[] parts = canonical.split("\\.", 4); // blk, N, what, weight|bias
        boolean post = s.postNorms();
        String what = switch (parts[2]) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "attn_qkv" -> "self_attn.qkv_proj";
            case "attn_q_norm" -> "self_attn.q_norm";
            case "attn_k_norm" -> "self_attn.k_norm";
            case "post_attention_norm" -> "post_attention_layernorm";
            case "ffn_norm" -> post ? "pre_feedforward_layernorm" : "post_attention_layernorm";
            case "post_ffw_norm" -> "post_feedforward_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> s.arch().equals("phi3") ? "mlp.gate_up_proj" : "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> throw new IllegalArgumentException("no HF name for " + canonical);
        };
        return "model.layers." + parts[1] + "." + what + "." + parts[3];
    }

    /** SentencePiece vocabulary: unk, BOS, EOS, ChatML markers, 256 byte tokens, then single-letter pieces. */
    private static void vocabulary(GgufWriter w, int size) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"));
        List<Long> types = new ArrayList<>(List.of(2L, 3L, 3L, 3L, 3L));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6L);
        }
        String letters = "abcdefghijklmnopqrstuvwxyz";
        for (int i = 0; tokens.size() < size; i++) {
            char ch = letters.charAt(i % 26);
            tokens.add(i < 26 ? "\u2581" + ch : i < 52 ? String.valueOf(ch) : "\u2581" + ch + ch + i);
            types.add(1L);
        }
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) scores.add(i < 261 ? 0f : -(float) (i - 261));
        w.put("tokenizer.ggml.model", GgufValue.string("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, tokens));
        w.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scores));
        w.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(2));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(0));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.of(GgufValueType.BOOL, true));
        w.put("tokenizer.chat_template", GgufValue.string(CHATML_TEMPLATE));
    }

    private static Tensor tensor(String name, Matrix m) {
        Shape shape = m.rows() == 1 ? Shape.of(m.cols()) : Shape.of(m.rows(), m.cols());
        return new Tensor(name, TensorType.F32, shape, MemorySegment.ofArray(m.data().clone()));
    }

    private static Matrix stack(Matrix... parts) {
        int rows = 0;
        for (Matrix p : parts) rows += p.rows();
        float[] d = new float[rows * parts[0].cols()];
        int at = 0;
        for (Matrix p : parts) {
            System.arraycopy(p.data(), 0, d, at, p.data().length);
            at += p.data().length;
        }
        return new Matrix(rows, parts[0].cols(), d);
    }

    private static Matrix minusOne(Matrix m) {
        float[] d = m.data().clone();
        for (int i = 0; i < d.length; i++) d[i] -= 1f;
        return new Matrix(m.rows(), m.cols(), d);
    }
}
