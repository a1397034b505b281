package dev.tessera.model.weights;

import dev.tessera.model.ModelConfig;
import dev.tessera.model.llama2c.Llama2cCheckpoint;
import dev.tessera.model.llama2c.Llama2cConfig;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Weights of a llama2.c checkpoint under canonical names. Its Q/K rows use adjacent RoPE pairs,
 * like GGUF llama, so they need no permutation. Version-2 (int8 with float32 group scales)
 * matrices are dequantized to F32 once at load, since no backend reads that layout.
 */
public final class Llama2cWeights implements WeightSource {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Llama2cCheckpoint ckpt;
    private final ModelConfig config;
    private final Arena arena = Arena.ofShared();
    private boolean closed;

    public Llama2cWeights(Llama2cCheckpoint ckpt) {
        this.ckpt = ckpt;
        Llama2cConfig h = ckpt.config();
        this.config = ModelConfig.fromLlama2c(h.dim(), h.hiddenDim(), h.nLayers(), h.nHeads(), h.nKvHeads(),
                h.vocabSize(), h.seqLen(), h.sharedClassifier());
    }

    public static Llama2cWeights open(Path path) {
        Llama2cCheckpoint c = Llama2cCheckpoint.open(path);
        try {
            return new Llama2cWeights(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public Path path() { return ckpt.path(); }

    @Override
    public ModelConfig config() { return config; }

    @Override
    public Optional<Tensor> tensor(String name) {
        String own = ownName(name);
        if (own == null || !ckpt.hasTensor(own)) return Optional.empty();
        return Optional.of(asFloat(name, ckpt.tensor(own)));
    }

    /** The checkpoint's name for a canonical name, or null. */
    private static String ownName(String canonical) {
        switch (canonical) {
            case "token_embd.weight": return "token_embedding";
            case "output_norm.weight": return "rms_final";
            case "output.weight": return "wcls";
            default: break;
        }
        Matcher m = BLOCK.matcher(canonical);
        if (!m.matches()) return null;
        String what = switch (m.group(2)) {
            case "attn_norm" -> "rms_att";
            case "attn_q" -> "wq";
            case "attn_k" -> "wk";
            case "attn_v" -> "wv";
            case "attn_output" -> "wo";
            case "ffn_norm" -> "rms_ffn";
            case "ffn_gate" -> "w1";
            case "ffn_down" -> "w2";
            case "ffn_up" -> "w3";
            default -> null;
        };
        return what == null ? null : "layers." + m.group(1) + "." + what;
    }

    private Tensor asFloat(String name, Tensor t) {
        if (t.type() != TensorType.I8) return new Tensor(name, t.type(), t.shape(), t.data());
        Tensor scales = ckpt.tensor(t.name() + ".scales");
        int group = ckpt.config().groupSize();
        long n = t.shape().size();
        MemorySegment out = arena.allocate(n * 4, 64);
        for (long i = 0; i < n; i++) {
            float s = scales.data().get(F32, (i / group) * 4);
            out.setAtIndex(F32, i, t.data().get(ValueLayout.JAVA_BYTE, i) * s);
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
