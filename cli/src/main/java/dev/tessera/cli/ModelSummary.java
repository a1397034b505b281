package dev.tessera.cli;

import dev.tessera.model.FormatException;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.model.gguf.Metadata;
import dev.tessera.model.hf.HfModelDir;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import dev.tessera.model.llama2c.Llama2cCheckpoint;
import dev.tessera.model.llama2c.Llama2cConfig;
import dev.tessera.model.safetensors.SafetensorsCheckpoint;
import dev.tessera.model.safetensors.SafetensorsFile;
import dev.tessera.model.safetensors.SafetensorsTensorInfo;
import dev.tessera.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code tessera info} reports about a model, whatever its format: the hyperparameters come
 * from {@link ModelConfig} (absent, with the reason, when the file has none Tessera can use).
 */
record ModelSummary(Path path, String format, long fileSize, String architecture, Optional<ModelConfig> config,
                    String configProblem, String tokenizer, boolean chatTemplate, List<Row> tensors) {

    /** One tensor: shape outermost first; offset is the absolute offset in {@code file}. */
    record Row(String name, String type, long[] shape, long elements, long bytes, String file, long offset) {}

    /** Per-type totals. */
    record TypeTotal(int tensors, long elements, long bytes) {}

    long parameters() {
        long n = 0;
        for (Row r : tensors) n += r.elements();
        return n;
    }

    long tensorBytes() {
        long n = 0;
        for (Row r : tensors) n += r.bytes();
        return n;
    }

    Map<String, TypeTotal> histogram() {
        Map<String, TypeTotal> h = new TreeMap<>();
        for (Row r : tensors) {
            h.merge(r.type(), new TypeTotal(1, r.elements(), r.bytes()),
                    (a, b) -> new TypeTotal(a.tensors() + b.tensors(), a.elements() + b.elements(), a.bytes() + b.bytes()));
        }
        return h;
    }

    // ------------------------------------------------------------------ detection

    static ModelSummary of(Path path) {
        if (!Files.exists(path)) throw new FormatException(path + ": no such file or directory");
        if (Files.isDirectory(path)) {
            if (HfModelDir.looksLikeOne(path)) return huggingFace(path);
            throw new FormatException(path + ": no model found in this directory (expected config.json with safetensors weights)");
        }
        String name = path.getFileName().toString();
        if (startsWithGguf(path)) return gguf(path);
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
            Path dir = path.toAbsolutePath().getParent();
            return HfModelDir.looksLikeOne(dir) ? huggingFace(dir) : safetensors(path);
        }
        if (name.endsWith(".bin")) return llama2c(path);
        try {
            return llama2c(path);
        } catch (FormatException e) {
            throw new FormatException(path + ": unrecognized model format (expected GGUF, safetensors, a Hugging Face folder"
                    + " or a llama2.c .bin checkpoint)");
        }
    }

    private static boolean startsWithGguf(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            throw new FormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ GGUF

    private static ModelSummary gguf(Path path) {
        try (GgufFile f = GgufFile.open(path)) {
            Metadata md = f.metadata();
            List<Row> rows = new ArrayList<>();
            for (GgufTensorInfo t : f.tensorInfos()) {
                rows.add(new Row(t.name(), t.type().name(), t.shape().dims(), t.shape().size(), t.byteSize(), null, f.dataOffset() + t.offset()));
            }
            Optional<ModelConfig> config = Optional.empty();
            String problem = null;
            try {
                config = Optional.of(ModelConfig.fromGguf(f));
            } catch (FormatException e) {
                problem = e.getMessage();
            }
            String tok = md.string("tokenizer.ggml.model").map(m -> {
                String kind = switch (m) {
                    case "llama" -> "SentencePiece-style BPE";
                    case "gpt2" -> "byte-level BPE";
                    case "bert" -> "WordPiece";
                    case "t5" -> "Unigram";
                    default -> m;
                };
                String pre = md.string("tokenizer.ggml.pre").map(p -> ", pre-tokenizer " + p).orElse("");
                int n = md.array("tokenizer.ggml.tokens", null).map(List::size).orElse(0);
                return m + " (" + kind + pre + "), " + n + " tokens";
            }).orElse("none in file");
            return new ModelSummary(path, "GGUF v" + f.version() + " (alignment " + f.alignment() + ", data at offset " + f.dataOffset() + ")",
                    f.fileSize(), md.string("general.architecture").orElse("unknown"), config, problem, tok,
                    md.contains("tokenizer.chat_template"), rows);
        }
    }

    // ------------------------------------------------------------------ safetensors

    private static ModelSummary huggingFace(Path dir) {
        HfModelDir hf = HfModelDir.open(dir);
        Optional<ModelConfig> config = Optional.empty();
        String problem = null;
        try {
            config = Optional.of(ModelConfig.fromHfConfig(hf.config().raw(), hf.config().file()));
        } catch (FormatException e) {
            problem = e.getMessage();
        }
        try (SafetensorsCheckpoint ck = hf.openWeights()) {
            String tok = hf.tokenizerJson().map(ModelSummary::tokenizerJsonKind).orElse("no tokenizer.json")
                    + hf.tokenizerConfig().flatMap(t -> t.tokenizerClass()).map(c -> " (" + c + ")").orElse("");
            return new ModelSummary(dir, "safetensors (Hugging Face folder, " + ck.files().size() + " file"
                    + (ck.files().size() == 1 ? "" : "s") + ")", ck.totalFileSize(), hf.config().architectureName(), config, problem,
                    tok, hf.chatTemplate().isPresent(), rows(ck));
        }
    }

    private static ModelSummary safetensors(Path file) {
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(file)) {
            return new ModelSummary(file, "safetensors (" + ck.files().size() + " file" + (ck.files().size() == 1 ? "" : "s") + ")",
                    ck.totalFileSize(), "unknown", Optional.empty(), "no config.json next to the weights: hyperparameters unknown",
                    "none in file", false, rows(ck));
        }
    }

    private static List<Row> rows(SafetensorsCheckpoint ck) {
        List<Row> rows = new ArrayList<>();
        for (String name : ck.tensorNames()) {
            SafetensorsFile f = ck.files().stream().filter(x -> x.hasTensor(name)).findFirst().orElseThrow();
            SafetensorsTensorInfo t = f.info(name);
            String file = ck.files().size() > 1 ? f.path().getFileName().toString() : null;
            rows.add(new Row(name, t.dtype().name(), t.shape(), t.elementCount(), t.byteSize(), file, f.dataOffset() + t.begin()));
        }
        return rows;
    }

    /** The {@code model.type} of a tokenizer.json (BPE, Unigram, WordPiece…). */
    private static String tokenizerJsonKind(Path file) {
        try {
            Map<String, Object> json = Json.parseObject(Files.readString(file));
            if (json.get("model") instanceof Map<?, ?> m && m.get("type") instanceof String type) {
                int n = m.get("vocab") instanceof Map<?, ?> v ? v.size() : m.get("vocab") instanceof List<?> l ? l.size() : 0;
                return "tokenizer.json " + type + (n > 0 ? ", " + n + " tokens" : "");
            }
            return "tokenizer.json";
        } catch (IOException | JsonException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ llama2.c

    private static ModelSummary llama2c(Path path) {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(path)) {
            Llama2cConfig c = ck.config();
            List<Row> rows = new ArrayList<>();
            for (Tensor t : ck.tensors()) {
                // freq_cis tables and Q8_0 scales are not parameters of the model.
                if (t.name().startsWith("freq_cis") || t.name().endsWith(".scales")) continue;
                long bytes = t.data().byteSize();
                if (ck.hasTensor(t.name() + ".scales")) bytes += ck.tensor(t.name() + ".scales").data().byteSize();
                String type = c.version() == 2 && ck.hasTensor(t.name() + ".scales") ? "Q8_0(llama2.c, group " + c.groupSize() + ")" : t.type().name();
                rows.add(new Row(t.name(), type, t.shape().dims(), t.shape().size(), bytes, null, ck.offset(t.name())));
            }
            ModelConfig mc = ModelConfig.fromLlama2c(c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocabSize(),
                    c.seqLen(), c.sharedClassifier());
            String fmt = switch (c.version()) {
                case 0 -> "llama2.c legacy checkpoint";
                case 1 -> "llama2.c v1 checkpoint (float32)";
                default -> "llama2.c v2 checkpoint (int8, group size " + c.groupSize() + ")";
            };
            return new ModelSummary(path, fmt, ck.fileSize(), "llama", Optional.of(mc), null,
                    "none in file (llama2.c tokenizer.bin is separate)", false, rows);
        }
    }
}
