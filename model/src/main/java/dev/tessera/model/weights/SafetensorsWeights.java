package dev.tessera.model.weights;

import dev.tessera.model.FormatException;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import dev.tessera.model.safetensors.SafetensorsCheckpoint;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face model folder ({@code config.json} + safetensors) under canonical names. HF
 * Q/K weights are in rotate-half order, which the config marks as NeoX RoPE, so nothing is
 * permuted. Gemma stores RMSNorm weights as {@code w} for a {@code (1 + w)} scale; those few
 * vectors are converted to F32 {@code 1 + w} at load, as GGUF files already hold them.
 */
public final class SafetensorsWeights implements WeightSource {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.(weight|bias)");
    private static final List<String> PREFIXES = List.of("model.", "language_model.model.", "model.language_model.");
    private static final List<String> HEADS = List.of("lm_head.weight", "language_model.lm_head.weight");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path folder;
    private final SafetensorsCheckpoint ckpt;
    private final ModelConfig config;
    private final boolean gemma, postNorms, phi3;
    private final Arena arena = Arena.ofShared();
    private boolean closed;

    private SafetensorsWeights(Path folder, SafetensorsCheckpoint ckpt, ModelConfig config) {
        this.folder = folder;
        this.ckpt = ckpt;
        this.config = config;
        this.gemma = config.architecture().startsWith("gemma");
        this.postNorms = config.postNorms();
        this.phi3 = config.architecture().equals("phi3");
    }

    public static SafetensorsWeights open(Path folder) {
        Path cfgPath = folder.resolve("config.json");
        ModelConfig config;
        try {
            config = ModelConfig.fromHfConfig(Json.parseObject(Files.readString(cfgPath)), cfgPath);
        } catch (NoSuchFileException e) {
            throw new FormatException(cfgPath + ": missing (a Hugging Face model folder needs config.json)");
        } catch (IOException e) {
            throw new FormatException(cfgPath + ": cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new FormatException(cfgPath + ": " + e.getMessage(), e);
        }
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(folder);
        boolean hasHead = HEADS.stream().anyMatch(ckpt::hasTensor);
        return new SafetensorsWeights(folder, ckpt, config.withTiedOutput(!hasHead));
    }

    @Override
    public Path path() { return folder; }

    @Override
    public ModelConfig config() { return config; }

    @Override
    public Optional<Tensor> tensor(String name) {
        for (String hf : hfNames(name)) {
            if (ckpt.hasTensor(hf)) {
                Tensor t = ckpt.tensor(hf);
                boolean norm = name.endsWith("norm.weight");
                return Optional.of(gemma && norm ? onePlus(name, t) : new Tensor(name, t.type(), t.shape(), t.data()));
            }
        }
        return Optional.empty();
    }

    /** Candidate HF names of a canonical name (the prefix differs between text-only and multimodal checkpoints). */
    private List<String> hfNames(String canonical) {
        if (canonical.equals("output.weight")) return HEADS;
        String local = switch (canonical) {
            case "token_embd.weight" -> "embed_tokens.weight";
            case "output_norm.weight" -> "norm.weight";
            default -> blockName(canonical);
        };
        if (local == null) return List.of();
        return PREFIXES.stream().map(p -> p + local).toList();
    }

    private String blockName(String canonical) {
        Matcher m = BLOCK.matcher(canonical);
        if (!m.matches()) return null;
        String what = switch (m.group(2)) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "attn_qkv" -> "self_attn.qkv_proj";
            case "attn_q_norm" -> "self_attn.q_norm";
            case "attn_k_norm" -> "self_attn.k_norm";
            case "post_attention_norm" -> postNorms ? "post_attention_layernorm" : null;
            case "ffn_norm" -> postNorms ? "pre_feedforward_layernorm" : "post_attention_layernorm";
            case "post_ffw_norm" -> "post_feedforward_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> phi3 ? "mlp.gate_up_proj" : "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> null;
        };
        return what == null ? null : "layers." + m.group(1) + "." + what + "." + m.group(3);
    }

    /** Gemma's {@code (1 + w)} RMSNorm weight as F32. */
    private Tensor onePlus(String name, Tensor t) {
        long n = t.shape().size();
        MemorySegment out = arena.allocate(n * 4, 64);
        for (long i = 0; i < n; i++) {
            float w = switch (t.type()) {
                case F32 -> t.data().get(F32, 4 * i);
                case F16 -> Float.float16ToFloat(t.data().get(I16, 2 * i));
                case BF16 -> Float.intBitsToFloat(t.data().get(I16, 2 * i) << 16);
                default -> throw FormatException.of(folder, "tensor " + t.name(), "expected F32, F16 or BF16, found " + t.type());
            };
            out.setAtIndex(F32, i, 1f + w);
        }
        return new Tensor(name, TensorType.F32, Shape.of(t.shape().dims()), out);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        ckpt.close();
        arena.close();
    }
}
