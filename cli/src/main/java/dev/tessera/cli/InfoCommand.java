package dev.tessera.cli;

import dev.tessera.kernels.cuda.CudaDevices;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.RopeScaling;
import dev.tessera.model.json.Json;
import dev.tessera.testmodels.EmbeddedModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera info}: format, hyperparameters, tokenizer, sizes and tensor table of a model. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's format, hyperparameters, tokenizer, size and tensors "
                + "(GGUF file, Hugging Face safetensors folder, or llama2.c .bin).")
final class InfoCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|DIR",
            description = "GGUF file, Hugging Face folder (config.json + safetensors) or llama2.c checkpoint (default: the embedded model).")
    String model;

    @Option(names = "--tensors", description = "List every tensor: name, type, shape (outermost first), bytes, file offset.")
    boolean tensors;

    @Option(names = "--json", description = "Print the same information as one JSON object.")
    boolean json;

    @Option(names = "--devices", description = "List the compute devices: the CPU and, if usable, CUDA GPUs (or why not).")
    boolean devices;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (devices) {
            out.printf(Locale.ROOT, "CPU: %d cores, %d-bit vectors (%s)%n", Runtime.getRuntime().availableProcessors(),
                    jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), System.getProperty("os.arch"));
            for (String line : CudaDevices.probe().summary()) out.println(line);
            out.flush();
            return 0;
        }
        if (model == null && !json) out.println("model:            " + EmbeddedModel.description());
        ModelSummary s = ModelSummary.of(model != null ? HubPath.resolve(model) : EmbeddedModel.path());
        if (json) out.println(Json.write(toJson(s)));
        else printText(s, out);
        out.flush();
        return 0;
    }

    // ------------------------------------------------------------------ text

    private void printText(ModelSummary s, PrintWriter out) {
        line(out, "file", s.path().toString());
        line(out, "format", s.format());
        line(out, "file size", String.format(Locale.ROOT, "%,d bytes (%s)", s.fileSize(), human(s.fileSize())));
        line(out, "architecture", s.architecture());
        if (s.config().isPresent()) {
            hyperparameters(s.config().get()).forEach((k, v) -> line(out, k.replace('_', ' '), String.valueOf(v)));
        } else {
            line(out, "hyperparameters", "unavailable: " + s.configProblem());
        }
        line(out, "tokenizer", s.tokenizer());
        line(out, "chat template", s.chatTemplate() ? "yes" : "no");
        line(out, "parameters", String.format(Locale.ROOT, "%,d (%s)", s.parameters(), humanCount(s.parameters())));
        line(out, "tensor bytes", String.format(Locale.ROOT, "%,d", s.tensorBytes()));
        if (s.parameters() > 0) line(out, "bits per weight", String.format(Locale.ROOT, "%.2f", 8.0 * s.tensorBytes() / s.parameters()));
        line(out, "tensors", String.valueOf(s.tensors().size()));
        s.histogram().forEach((type, t) -> out.printf(Locale.ROOT, "  %-24s %4d tensors %,15d elements %,15d bytes%n",
                type, t.tensors(), t.elements(), t.bytes()));
        if (tensors) {
            out.printf(Locale.ROOT, "%n%-48s %-10s %-20s %14s %14s%n", "name", "type", "shape", "bytes", "offset");
            for (ModelSummary.Row r : s.tensors()) {
                out.printf(Locale.ROOT, "%-48s %-10s %-20s %,14d %,14d%s%n", r.name(), r.type(), shape(r.shape()), r.bytes(), r.offset(),
                        r.file() == null ? "" : "  " + r.file());
            }
        }
    }

    private static void line(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-17s %s%n", key + ":", value);
    }

    private static String shape(long[] dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ", ").append(dims[i]);
        return sb.append(']').toString();
    }

    private static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.2f KiB", bytes / 1024.0);
    }

    private static String humanCount(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        return String.format(Locale.ROOT, "%.2f K", n / 1e3);
    }

    // ------------------------------------------------------------------ shared by text and JSON

    /** Hyperparameters in display order; keys are JSON names (underscores become spaces in text). */
    private static Map<String, Object> hyperparameters(ModelConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dim", c.dim());
        m.put("hidden_dim", c.hiddenDim());
        m.put("layers", c.layers());
        m.put("heads", c.heads());
        m.put("kv_heads", c.kvHeads());
        m.put("head_dim", c.headDim());
        m.put("context_length", c.contextLength());
        m.put("vocab_size", c.vocabSize());
        m.put("rope_base", c.rope().theta());
        m.put("rope_dims", c.rope().dims());
        m.put("rope_layout", c.rope().neox() ? "rotate-half (neox)" : "adjacent pairs");
        m.put("rope_scaling", scaling(c.rope().scaling()));
        m.put("norm_epsilon", Double.parseDouble(Float.toString(c.normEps()))); // shortest decimal of the float
        m.put("tied_output", c.tiedOutput());
        if (c.slidingWindow() > 0) m.put("sliding_window", c.slidingWindow());
        return m;
    }

    private static String scaling(RopeScaling s) {
        return switch (s) {
            case RopeScaling.None n -> "none";
            case RopeScaling.Linear l -> "linear, factor " + l.factor();
            case RopeScaling.Llama3 l -> "llama3, factor " + l.factor() + ", low " + l.lowFreqFactor() + ", high " + l.highFreqFactor()
                    + ", original context " + l.originalContext();
            case RopeScaling.FreqFactors f -> "per-frequency factors (" + f.factors().length + ")";
        };
    }

    private Map<String, Object> toJson(ModelSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", s.path().toString());
        m.put("format", s.format());
        m.put("file_size", s.fileSize());
        m.put("architecture", s.architecture());
        m.put("hyperparameters", s.config().map(InfoCommand::hyperparameters).orElse(null));
        if (s.config().isEmpty()) m.put("hyperparameters_unavailable", s.configProblem());
        m.put("tokenizer", s.tokenizer());
        m.put("chat_template", s.chatTemplate());
        m.put("parameters", s.parameters());
        m.put("tensor_bytes", s.tensorBytes());
        m.put("bits_per_weight", s.parameters() > 0 ? 8.0 * s.tensorBytes() / s.parameters() : null);
        m.put("tensor_count", s.tensors().size());
        Map<String, Object> types = new LinkedHashMap<>();
        s.histogram().forEach((type, t) -> types.put(type, Map.of("tensors", t.tensors(), "elements", t.elements(), "bytes", t.bytes())));
        m.put("types", types);
        if (tensors) {
            List<Map<String, Object>> rows = s.tensors().stream().map(r -> {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("name", r.name());
                t.put("type", r.type());
                t.put("shape", java.util.Arrays.stream(r.shape()).boxed().toList());
                t.put("bytes", r.bytes());
                t.put("offset", r.offset());
                if (r.file() != null) t.put("file", r.file());
                return t;
            }).toList();
            m.put("tensors", rows);
        }
        return m;
    }
}
