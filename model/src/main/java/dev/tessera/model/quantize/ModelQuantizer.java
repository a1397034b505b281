package dev.tessera.model.quantize;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.GgufWriter;
import dev.tessera.model.gguf.ProjectTensors;
import dev.tessera.model.io.ByteSource;
import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.Quantizer;
import dev.tessera.quant.glvq.GlvqQuantizer;
import dev.tessera.quant.pvq.PvqQuantizer;
import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.VqQuantizer;
import dev.tessera.quant.vqfile.EncodedTensorBytes;
import dev.tessera.tensor.Parallel;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Quantizes a model into a GGUF file the way llama-quantize does: tensors in llama.cpp's order, each
 * matrix converted to the type {@link MixRules} picks for the preset (everything else copied),
 * all input metadata kept plus {@code general.quantization_version} and {@code general.file_type}.
 * Rows are quantized in parallel while the file is written through a temporary file, one tensor
 * in memory at a time.
 */
public final class ModelQuantizer {
    /** GGML_QNT_VERSION: the block layouts of the K-quants and legacy types. */
    public static final int QUANTIZATION_VERSION = 2;

    /**
     * @param keepOutput     leave {@code output.weight} (or the tied embedding) as it is
     * @param keepEmbeddings leave {@code token_embd.weight} as it is
     * @param pure           no mix rules: every matrix gets the preset's default type
     * @param imatrix        importance statistics, or null
     */
    public record Options(QuantTarget target, boolean keepOutput, boolean keepEmbeddings, boolean pure,
                          boolean allowRequantize, int threads, Imatrix imatrix) {
        public Options {
            if (threads < 1) throw new IllegalArgumentException("--threads " + threads + ": expected at least 1");
        }
    }

    /** Told about each tensor as it is written. */
    public interface Listener {
        void tensorDone(int index, int total, TensorPlan plan);
    }

    /**
     * llama.cpp's tensor order (its loader's weight map): tensors outside the blocks first, then
     * block by block in layer order, by name within each.
     */
    static final Comparator<Tensor> LLAMA_ORDER = Comparator.<Tensor>comparingInt(t -> layerOf(t.name()))
            .thenComparing(Tensor::name);

    private ModelQuantizer() {}

    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        try {
            return dot > 4 ? Integer.parseInt(name.substring(4, dot)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** What would happen to every tensor of {@code src}, in output order. */
    public static List<TensorPlan> plan(QuantizeSource src, Options o) {
        List<Tensor> sorted = new ArrayList<>(src.tensors());
        sorted.sort(LLAMA_ORDER);
        int attentionWv = 0;
        boolean hasOutput = false;
        for (Tensor t : sorted) {
            String n = t.name();
            if (n.contains("attn_v.weight") || n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight")) attentionWv++;
            else if (n.equals("output.weight")) hasOutput = true;
        }
        Preset preset = o.target().rules();
        var c = src.config();
        int experts = src.metadata().containsKey(c.architecture() + ".expert_count")
                ? ((Number) src.metadata().get(c.architecture() + ".expert_count").value()).intValue() : 0;
        MixRules rules = new MixRules(preset, c.architecture(), c.layers(), c.heads(), c.kvHeads(), experts, attentionWv,
                hasOutput, o.imatrix() != null);
        List<TensorPlan> plan = new ArrayList<>(sorted.size());
        for (Tensor t : sorted) plan.add(planOne(t, src.gguf(), hasOutput, o, preset, rules));
        return plan;
    }

    private static TensorPlan planOne(Tensor t, boolean ggufInput, boolean hasOutput, Options o, Preset preset, MixRules rules) {
        String n = t.name();
        boolean tiedEmbedding = !hasOutput && n.equals("token_embd.weight");
        boolean quantize = n.endsWith("weight") && t.shape().rank() >= 2 && !n.contains("_norm.weight")
                && !n.contains("ffn_gate_inp.weight") && !n.equals("position_embd.weight") && !n.equals("token_types.weight")
                && !(o.keepOutput() && (n.equals("output.weight") || tiedEmbedding))
                && !(o.keepEmbeddings() && n.equals("token_embd.weight"));
        if (!quantize) {
            // GGUF inputs are copied as stored; converted checkpoints keep vectors in F32 as the converters do.
            boolean toF32 = !ggufInput && (t.shape().rank() == 1 || !t.type().isGgml()) && t.type() != TensorType.F32;
            return new TensorPlan(t, toF32 ? TensorType.F32 : t.type(), toF32, null);
        }
        TensorType type = preset.quantized() && !o.pure() ? rules.choose(n, t.cols()) : preset.defaultType();
        if (o.pure() && t.cols() % type.blockLength() != 0) {
            throw new FormatException("tensor " + n + ": rows of " + t.cols() + " elements are not a multiple of the "
                    + type + " block of " + type.blockLength());
        }
        if (o.target() instanceof QuantTarget.Grouped g && type == preset.defaultType()
                && g.groupSize() > 32 && t.cols() % g.groupSize() == 0) {
            type = g.type();
        }
        if (o.target() instanceof QuantTarget.Vq v && type == preset.defaultType() && n.startsWith("blk.")
                && t.cols() % v.groupCols() == 0) {
            type = v.type();
        }
        if (type == t.type()) return new TensorPlan(t, type, false, null);
        if (t.type().isQuantized() && !o.allowRequantize()) {
            throw new IllegalArgumentException("tensor " + n + " is already " + t.type()
                    + "; requantizing loses accuracy (pass --allow-requantize to do it anyway)");
        }
        float[] importance = null;
        if (o.imatrix() != null) {
            importance = o.imatrix().get(n);
            if (importance != null && importance.length != t.cols()) {
                if (!n.equals("token_embd.weight")) {
                    throw new IllegalArgumentException("--imatrix: " + importance.length + " values for " + n + ", which has rows of " + t.cols());
                }
                importance = null;
            }
        }
        if (preset == Preset.Q2_K_S && type == TensorType.Q2_K && importance == null && !n.equals("token_embd.weight")) {
            throw new IllegalArgumentException("--type Q2_K_S needs an importance matrix for " + n + " (pass --imatrix or --calib)");
        }
        return new TensorPlan(t, type, true, importance);
    }

    /** Quantizes {@code src} into {@code out} (through a temporary file renamed into place). */
    public static List<TensorPlan> run(QuantizeSource src, Options o, Path out, Listener listener) throws IOException {
        List<TensorPlan> plan = plan(src, o);
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, GgufValue> e : src.metadata().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("split.") || k.startsWith("tessera.qtype.") || k.startsWith("tessera.shape.")
                    || k.equals(ProjectTensors.FORMAT_VERSION_KEY)
                    // llama.cpp re-adds these two at the end, in this order
                    || k.equals("general.quantization_version") || k.equals("general.file_type")) continue;
            w.put(k, e.getValue());
        }
        w.put("general.quantization_version", GgufValue.uint32(QUANTIZATION_VERSION));
        w.put("general.file_type", GgufValue.uint32(o.target().rules().fileType()));
        try (Parallel pool = new Parallel(o.threads())) {
            int[] done = {0};
            for (TensorPlan p : plan) {
                Runnable onDone = () -> listener.tensorDone(++done[0], plan.size(), p);
                // A VQ tensor's size is known only once it is encoded, and the header comes first.
                ByteSource data = p.target().hasFixedBlocks() ? new Converted(p, pool, onDone)
                        : vectorQuantized(p, (QuantTarget.Vq) o.target(), onDone);
                if (p.target().isGgml()) w.tensor(p.name(), p.target(), p.source().shape(), data);
                else ProjectTensors.add(w, p.name(), p.target(), p.source().shape(), data);
            }
            w.write(out);
        }
        return plan;
    }

    private static ByteSource vectorQuantized(TensorPlan p, QuantTarget.Vq v, Runnable onDone) {
        Tensor t = p.source();
        int rows = Math.toIntExact(t.rows());
        int cols = Math.toIntExact(t.cols());
        float[] w = new float[Math.multiplyExact(rows, cols)];
        Dequantizer.dequantizeRow(t.type(), t.data(), 0, w, 0, w.length);
        CalibrationStats stats = CalibrationStats.uniform(cols);
        if (p.importance() != null) {
            double[] d = new double[cols];
            for (int j = 0; j < cols; j++) d[j] = p.importance()[j];
            stats = CalibrationStats.ofDiagonal(d);
        }
        VqQuantizer q = v.type() == TensorType.GLVQ ? GlvqQuantizer.defaults() : PvqQuantizer.defaults();
        byte[] blob = EncodedTensorBytes.encode(q.quantize(w, rows, cols, stats, v.bits()));
        MemorySegment seg = MemorySegment.ofArray(blob);
        return new ByteSource() {
            @Override public long byteSize() { return blob.length; }

            @Override
            public void writeTo(WritableByteChannel out) throws IOException {
                ByteSource.copy(seg, out);
                onDone.run();
            }
        };
    }

    /** The bytes of one planned tensor, produced when the writer asks for them. */
    private record Converted(TensorPlan plan, Parallel pool, Runnable onDone) implements ByteSource {
        @Override
        public long byteSize() { return plan.outputBytes(); }

        @Override
        public void writeTo(WritableByteChannel out) throws IOException {
            if (!plan.convert()) {
                ByteSource.copy(plan.source().data(), out);
            } else {
                try (Arena arena = Arena.ofShared()) {
                    ByteSource.copy(convert(plan, pool, arena), out);
                }
            }
            onDone.run();
        }
    }

    /** Converts {@code plan.source()} row by row into a new segment of {@code arena}. */
    static MemorySegment convert(TensorPlan plan, Parallel pool, Arena arena) {
        Tensor src = plan.source();
        TensorType to = plan.target();
        int cols = Math.toIntExact(src.cols());
        int rows = Math.toIntExact(src.rows());
        long inRow = src.rowBytes();
        long outRow = to.bytesFor(cols);
        MemorySegment dst = arena.allocate(outRow * rows, 64);
        // Chunks of about 16K elements, like llama.cpp, so threads share small tensors too.
        int chunk = Math.max(1, 16384 / cols);
        pool.chunks(rows, chunk, (worker, start, end) -> {
            float[] row = new float[cols];
            for (int r = start; r < end; r++) {
                Dequantizer.dequantizeRow(src.type(), src.data(), r * inRow, row, 0, cols);
                Quantizer.quantizeRow(to, row, 0, cols, plan.importance(), dst, r * outRow);
            }
        });
        return dst;
    }
}
