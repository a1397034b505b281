package dev.tessera.model.quantize;

import dev.tessera.model.FormatException;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.GgufValueType;
import dev.tessera.model.json.Json;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Vocabulary;
import dev.tessera.model.weights.WeightSource;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GGUF metadata and tensors for a model that is not GGUF yet (a Hugging Face safetensors folder or
 * a llama2.c checkpoint), written the way llama.cpp's converters do: the {@code <arch>.*}
 * hyper-parameters, the tokenizer as {@code tokenizer.ggml.*}, and for the {@code llama}
 * architecture Hugging Face's rotate-half Q/K rows permuted to GGUF's interleaved pairs.
 */
final class ConvertedMetadata {
    private static final String[] GLOBAL = {"token_embd.weight", "output_norm.weight", "output.weight"};
    private static final String[] LAYER = {"attn_norm.weight", "attn_qkv.weight", "attn_q.weight", "attn_k.weight",
            "attn_v.weight", "attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_q_norm.weight", "attn_k_norm.weight",
            "attn_output.weight", "post_attention_norm.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
            "ffn_down.weight", "post_ffw_norm.weight"};

    private ConvertedMetadata() {}

    static QuantizeSource source(Path path, WeightSource ws) {
        ModelConfig c = ws.config();
        boolean hf = Files.isDirectory(path);
        Arena arena = Arena.ofShared();
        List<Tensor> tensors = new ArrayList<>();
        for (String n : GLOBAL) ws.tensor(n).ifPresent(tensors::add);
        for (int l = 0; l < c.layers(); l++) {
            for (String n : LAYER) {
                String name = "blk." + l + "." + n;
                ws.tensor(name).ifPresent(t -> tensors.add(hf && c.architecture().equals("llama") ? permuteQk(t, c, arena) : t));
            }
        }
        Tokenizer tok = TokenizerLocator.locate(path, null);
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GgufValue.string(c.architecture()));
        md.put("general.name", GgufValue.string(path.getFileName().toString().replaceFirst("\\.bin$", "")));
        String a = c.architecture() + ".";
        md.put(a + "context_length", GgufValue.uint32(c.contextLength()));
        md.put(a + "embedding_length", GgufValue.uint32(c.dim()));
        md.put(a + "block_count", GgufValue.uint32(c.layers()));
        md.put(a + "feed_forward_length", GgufValue.uint32(c.hiddenDim()));
        md.put(a + "attention.head_count", GgufValue.uint32(c.heads()));
        md.put(a + "attention.head_count_kv", GgufValue.uint32(c.kvHeads()));
        if (c.headDim() != c.dim() / c.heads()) {
            md.put(a + "attention.key_length", GgufValue.uint32(c.headDim()));
            md.put(a + "attention.value_length", GgufValue.uint32(c.headDim()));
        }
        md.put(a + "attention.layer_norm_rms_epsilon", GgufValue.float32(c.normEps()));
        md.put(a + "rope.freq_base", GgufValue.float32((float) c.rope().theta()));
        md.put(a + "rope.dimension_count", GgufValue.uint32(c.rope().dims()));
        md.put(a + "vocab_size", GgufValue.uint32(c.vocabSize()));
        if (c.slidingWindow() > 0) md.put(a + "attention.sliding_window", GgufValue.uint32(c.slidingWindow()));
        if (c.attnSoftcap() > 0) md.put(a + "attn_logit_softcapping", GgufValue.float32(c.attnSoftcap()));
        if (c.finalSoftcap() > 0) md.put(a + "final_logit_softcapping", GgufValue.float32(c.finalSoftcap()));
        md.put("general.file_type", GgufValue.uint32(0));
        tokenizer(md, tok, hf ? path.resolve("tokenizer.json") : null);
        return new QuantizeSource(path, c, md, tensors, false, () -> {
            try {
                ws.close();
            } finally {
                arena.close();
            }
        });
    }

    private static void tokenizer(Map<String, GgufValue> md, Tokenizer tok, Path tokenizerJson) {
        Vocabulary v = tok.vocabulary();
        List<String> texts = new ArrayList<>(v.size());
        List<Float> scores = new ArrayList<>(v.size());
        List<Integer> types = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            texts.add(v.text(i));
            scores.add(v.score(i));
            types.add(v.type(i).ordinal());
        }
        boolean spm = tok.style() == Tokenizer.Style.SPM;
        md.put("tokenizer.ggml.model", GgufValue.string(spm ? "llama" : "gpt2"));
        if (!spm) md.put("tokenizer.ggml.pre", GgufValue.string("default"));
        md.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, texts));
        if (spm) md.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scores));
        md.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        if (!spm) md.put("tokenizer.ggml.merges", GgufValue.array(GgufValueType.STRING, merges(tokenizerJson)));
        if (tok.bos() >= 0) md.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(tok.bos()));
        if (tok.eos() >= 0) md.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(tok.eos()));
        if (tok.unk() >= 0) md.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(tok.unk()));
        md.put("tokenizer.ggml.add_bos_token", GgufValue.of(GgufValueType.BOOL, tok.addBos()));
        md.put("tokenizer.ggml.add_eos_token", GgufValue.of(GgufValueType.BOOL, tok.addEos()));
    }

    /** The BPE merges of a tokenizer.json as "a b" strings. */
    private static List<String> merges(Path tokenizerJson) {
        if (tokenizerJson == null || !Files.isRegularFile(tokenizerJson)) {
            throw new FormatException("a byte-level BPE tokenizer needs its merges from tokenizer.json");
        }
        try {
            Map<String, Object> root = Json.parseObject(Files.readString(tokenizerJson));
            Object model = root.get("model");
            Object m = model instanceof Map<?, ?> mm ? mm.get("merges") : null;
            if (!(m instanceof List<?> list)) throw new FormatException(tokenizerJson + ": model.merges is missing");
            List<String> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (o instanceof String s) out.add(s);
                else if (o instanceof List<?> pair && pair.size() == 2) out.add(pair.get(0) + " " + pair.get(1));
                else throw new FormatException(tokenizerJson + ": model.merges: expected \"a b\" strings or pairs");
            }
            return out;
        } catch (IOException e) {
            throw new FormatException(tokenizerJson + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Q and K rows from rotate-half order (each head: first halves, then second halves) to GGUF
     * llama's interleaved pairs, as convert_hf_to_gguf permutes them. Rows move whole, so any
     * element type works.
     */
    private static Tensor permuteQk(Tensor t, ModelConfig c, Arena arena) {
        boolean q = t.name().endsWith("attn_q.weight") || t.name().endsWith("attn_q.bias");
        boolean k = t.name().endsWith("attn_k.weight") || t.name().endsWith("attn_k.bias");
        if (!q && !k) return t;
        int heads = q ? c.heads() : c.kvHeads();
        long rows = t.shape().rank() == 1 ? t.shape().size() : t.rows();
        long rowBytes = t.data().byteSize() / rows;
        int hd = (int) (rows / heads);
        int half = hd / 2;
        MemorySegment out = arena.allocate(t.data().byteSize(), 64);
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int s = 0; s < 2; s++) {
                    long from = (long) h * hd + (long) s * half + j;
                    long to = (long) h * hd + 2L * j + s;
                    MemorySegment.copy(t.data(), from * rowBytes, out, to * rowBytes, rowBytes);
                }
            }
        }
        return new Tensor(t.name(), t.type(), Shape.of(t.shape().dims()), out);
    }
}
