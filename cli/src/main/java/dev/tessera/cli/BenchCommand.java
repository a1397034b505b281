package dev.tessera.cli;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.kernels.simd.bench.KernelBench;
import dev.tessera.kernels.simd.bench.MemoryBandwidth;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.Model;
import dev.tessera.model.Transformer;
import dev.tessera.model.WeightStats;
import dev.tessera.model.json.Json;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import dev.tessera.testmodels.EmbeddedModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tessera bench}: llama-bench-style prefill ({@code -p}) and decode ({@code -n}) throughput,
 * with each decode figure set beside the bandwidth roofline (weight bytes read per token ÷ the read
 * bandwidth this command measures on the spot). Field names of {@code -o csv|json} follow llama-bench.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode speed (llama-bench style) against the memory-bandwidth roofline.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF file, safetensors folder or llama2.c checkpoint (default: the embedded model)")
    String model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", split = ",", defaultValue = "512", description = "Prompt lengths to time (comma-separated; 0 skips; default: ${DEFAULT-VALUE})")
    List<Integer> nPrompt;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", split = ",", defaultValue = "128", description = "Generated lengths to time (comma-separated; 0 skips; default: ${DEFAULT-VALUE})")
    List<Integer> nGen;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", split = ",", description = "Thread counts (comma-separated; default: all cores)")
    List<Integer> threads;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "5", description = "Repetitions of each test (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", defaultValue = "512", description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = {"--kv-type", "-ctk"}, paramLabel = "TYPE", defaultValue = "f16", description = "KV cache type: f16 or f32 (default: ${DEFAULT-VALUE}, as llama-bench)")
    String kvType;

    @Option(names = {"-o", "--output"}, paramLabel = "FMT", defaultValue = "md", description = "md, csv or json (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--kernels", description = "Benchmark the matrix kernels (GFLOP/s and GB/s per type and size) instead of a model")
    boolean kernels;

    @Option(names = "--types", paramLabel = "T", split = ",", defaultValue = "q4_0,q8_0,q4_k,q6_k,f16",
            description = "Weight types for --kernels (default: ${DEFAULT-VALUE})")
    List<String> kernelTypes;

    @Option(names = "--kernel-batch", paramLabel = "N", defaultValue = "32", description = "Activation rows of the matrix-matrix case of --kernels (default: ${DEFAULT-VALUE})")
    int kernelBatch;

    @Option(names = "--spec", description = "Measure every drafter on a set of prompts (greedy) and print a table")
    boolean spec;

    @Option(names = "--draft", paramLabel = "MODEL", description = "Draft model to include in --spec")
    Path draft;

    @Option(names = "--prompts", paramLabel = "FILE", description = "Prompts for --spec, separated by blank lines; a first line [repetitive] marks one that asks to repeat its context (default: built-in ones)")
    Path prompts;

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One measured test: {@code nPrompt} prompt tokens or {@code nGen} generated ones. */
    record Result(int nPrompt, int nGen, int threads, double[] seconds, double rooflineTps, double bandwidth) {
        int tokens() { return nPrompt + nGen; }

        double avgTs() {
            double s = 0;
            for (double t : seconds) s += tokens() / t;
            return s / seconds.length;
        }

        double stddevTs() {
            if (seconds.length < 2) return 0;
            double m = avgTs(), s = 0;
            for (double t : seconds) s += (tokens() / t - m) * (tokens() / t - m);
            return Math.sqrt(s / (seconds.length - 1));
        }

        String test() { return nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen; }
    }

    @Override
    public Integer call() {
        String fmt = output.toLowerCase(Locale.ROOT);
        if (!List.of("md", "csv", "json").contains(fmt)) throw new IllegalArgumentException("-o " + output + ": expected md, csv or json");
        if (reps < 1) throw new IllegalArgumentException("-r " + reps + ": expected >= 1");
        if (batch < 1) throw new IllegalArgumentException("-b " + batch + ": expected >= 1");
        TensorType kv = switch (kvType.toLowerCase(Locale.ROOT)) {
            case "f16" -> TensorType.F16;
            case "f32" -> TensorType.F32;
            default -> throw new IllegalArgumentException("--kv-type " + kvType + ": expected f16 or f32");
        };
        List<Integer> ts = threads == null ? List.of(Runtime.getRuntime().availableProcessors()) : threads;
        for (int t : ts) if (t < 1) throw new IllegalArgumentException("-t " + t + ": expected >= 1");
        for (int p : nPrompt) if (p < 0) throw new IllegalArgumentException("-p " + p + ": expected >= 0");
        for (int g : nGen) if (g < 0) throw new IllegalArgumentException("-n " + g + ": expected >= 0");
        if (kernels) return kernels(ts, fmt);
        Path path = model != null ? HubPath.resolve(model) : EmbeddedModel.path();
        if (spec) {
            SpecBench.run(path, draft, prompts, nGen.get(0) > 0 ? nGen.get(0) : 128, ts, reps, out, err);
            return 0;
        }

        List<Result> results = new ArrayList<>();
        ModelFacts facts = null;
        for (int t : ts) {
            double bandwidth = MemoryBandwidth.measure(1L << 30, t, 5);
            try (CpuBackend backend = new CpuBackend(t); Model m = Model.open(path, backend)) {
                facts = ModelFacts.of(m);
                int maxLen = 1;
                for (int p : nPrompt) maxLen = Math.max(maxLen, p);
                for (int g : nGen) maxLen = Math.max(maxLen, g);
                Transformer tr = m.transformer(Math.min(batch, maxLen), 1);
                try (KvCache cache = tr.newCache(maxLen, kv)) {
                    float[] logits = new float[m.config().vocabSize()];
                    SplittableRandom rng = new SplittableRandom(42);
                    for (int p : nPrompt) {
                        if (p == 0) continue;
                        prompt(tr, cache, Math.min(p, 16), rng, logits); // warm-up
                        double[] s = new double[reps];
                        for (int r = 0; r < reps; r++) s[r] = prompt(tr, cache, p, rng, logits);
                        results.add(new Result(p, 0, t, s, 0, bandwidth));
                    }
                    for (int g : nGen) {
                        if (g == 0) continue;
                        generate(tr, cache, Math.min(g, 4), rng, logits); // warm-up
                        double[] s = new double[reps];
                        for (int r = 0; r < reps; r++) s[r] = generate(tr, cache, g, rng, logits);
                        results.add(new Result(0, g, t, s, bandwidth / facts.bytesPerToken(), bandwidth));
                    }
                }
            }
        }
        switch (fmt) {
            case "md" -> markdown(facts, results);
            case "csv" -> csv(facts, results);
            default -> json(facts, results);
        }
        out.flush();
        return 0;
    }

    /** {@code --kernels}: every type × the shapes, matrix-vector and matrix-matrix. */
    private int kernels(List<Integer> ts, String fmt) {
        List<TensorType> types = new ArrayList<>();
        for (String t : kernelTypes) {
            try {
                types.add(TensorType.valueOf(t.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--types " + t + ": not a tensor type (e.g. q4_0, q8_0, q4_k, f16)");
            }
        }
        if (kernelBatch < 1) throw new IllegalArgumentException("--kernel-batch " + kernelBatch + ": expected >= 1");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int t : ts) {
            for (int batchRows : new int[] {1, kernelBatch}) {
                for (KernelBench.Result r : KernelBench.run(types, KernelBench.DEFAULT_SHAPES, t, batchRows, Math.max(5, reps * 4), 600)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("kernel", batchRows == 1 ? "matvec" : "matmul");
                    m.put("type", r.type().name());
                    m.put("rows", r.rows());
                    m.put("cols", r.cols());
                    m.put("batch", r.batch());
                    m.put("n_threads", r.threads());
                    m.put("min_ms", round(r.minMs()));
                    m.put("gflops", round(2.0 * r.rows() * r.cols() * r.batch() / (r.minMs() * 1e6)));
                    m.put("gbs", round(r.bestGbs()));
                    m.put("median_gbs", round(r.medianGbs()));
                    rows.add(m);
                    if (fmt.equals("md") && rows.size() == 1) {
                        out.println("| kernel | type | rows × cols | batch | threads | min ms | GFLOP/s | GB/s (best) | GB/s (median) |");
                        out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                    }
                    if (fmt.equals("md")) {
                        out.printf(Locale.ROOT, "| %s | %s | %d × %d | %d | %d | %.3f | %.1f | %.2f | %.2f |%n", m.get("kernel"), m.get("type"),
                                r.rows(), r.cols(), r.batch(), r.threads(), r.minMs(), (Double) m.get("gflops"), r.bestGbs(), r.medianGbs());
                        out.flush();
                    }
                }
            }
        }
        if (fmt.equals("json")) out.println(Json.write(rows));
        if (fmt.equals("csv") && !rows.isEmpty()) {
            out.println(String.join(",", rows.get(0).keySet()));
            for (Map<String, Object> m : rows) out.println(String.join(",", m.values().stream().map(String::valueOf).toList()));
        }
        return 0;
    }

    /** Seconds to evaluate {@code n} random tokens from an empty cache, in batches. */
    private double prompt(Transformer tr, KvCache cache, int n, SplittableRandom rng, float[] logits) {
        int vocab = tr.config().vocabSize();
        long t0 = System.nanoTime();
        for (int start = 0; start < n; start += tr.maxBatch()) {
            int b = Math.min(tr.maxBatch(), n - start);
            int[] tokens = new int[b], pos = new int[b];
            for (int i = 0; i < b; i++) {
                tokens[i] = rng.nextInt(vocab);
                pos[i] = start + i;
            }
            tr.forward(cache, tokens, pos, pos, AttentionMask.CAUSAL, start + b == n ? new int[] {b - 1} : new int[0], logits);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds to decode {@code n} tokens one at a time from an empty cache. */
    private double generate(Transformer tr, KvCache cache, int n, SplittableRandom rng, float[] logits) {
        int vocab = tr.config().vocabSize();
        int[] token = new int[1], pos = new int[1], row = {0};
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            token[0] = rng.nextInt(vocab);
            pos[0] = i;
            tr.forward(cache, token, pos, pos, AttentionMask.CAUSAL, row, logits);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** What llama-bench reports about a model, and the bytes one decode step reads. */
    record ModelFacts(String path, String type, long sizeBytes, long params, long bytesPerToken) {
        static ModelFacts of(Model m) {
            WeightStats w = WeightStats.of(m.weights());
            String type = m.config().architecture() + " " + sizeLabel(w.params()) + " " + w.mainType();
            return new ModelFacts(m.source().path().toString(), type, w.bytes(), w.params(), w.bytesPerToken());
        }

        private static String sizeLabel(long params) {
            if (params >= 1_000_000_000L) return Math.round(params / 1e9) + "B";
            if (params >= 1_000_000L) return Math.round(params / 1e6) + "M";
            return Math.round(params / 1e3) + "K";
        }
    }

    private void markdown(ModelFacts f, List<Result> rs) {
        out.println("| model | size | params | backend | threads | test | t/s | roofline t/s | of roofline |");
        out.println("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Result r : rs) {
            String roof = r.nGen() > 0 ? String.format(Locale.ROOT, "%.2f", r.rooflineTps()) : "";
            String frac = r.nGen() > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * r.avgTs() / r.rooflineTps()) : "";
            out.printf(Locale.ROOT, "| %s | %s | %s | CPU | %d | %s | %.2f ± %.2f | %s | %s |%n", f.type(), size(f.sizeBytes()),
                    count(f.params()), r.threads(), r.test(), r.avgTs(), r.stddevTs(), roof, frac);
        }
        if (!rs.isEmpty()) {
            out.printf(Locale.ROOT, "%nroofline: %s of weights read per decoded token at the measured read bandwidth (%s)%n",
                    size(f.bytesPerToken()), rs.stream().map(r -> String.format(Locale.ROOT, "%.1f GB/s @ %d threads", r.bandwidth() / 1e9, r.threads()))
                            .distinct().reduce((a, b) -> a + ", " + b).orElse(""));
        }
    }

    private static final String[] FIELDS = {"model_filename", "model_type", "model_size", "model_n_params", "n_batch", "n_threads",
        "type_k", "type_v", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "bandwidth_gbs",
        "roofline_ts", "roofline_fraction"};

    private Map<String, Object> row(ModelFacts f, Result r, String time) {
        double avgNs = 0;
        for (double s : r.seconds()) avgNs += s * 1e9 / r.seconds().length;
        double sd = 0;
        for (double s : r.seconds()) sd += (s * 1e9 - avgNs) * (s * 1e9 - avgNs);
        sd = r.seconds().length > 1 ? Math.sqrt(sd / (r.seconds().length - 1)) : 0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_filename", f.path());
        m.put("model_type", f.type());
        m.put("model_size", f.sizeBytes());
        m.put("model_n_params", f.params());
        m.put("n_batch", batch);
        m.put("n_threads", r.threads());
        m.put("type_k", "f32");
        m.put("type_v", "f32");
        m.put("n_prompt", r.nPrompt());
        m.put("n_gen", r.nGen());
        m.put("test_time", time);
        m.put("avg_ns", Math.round(avgNs));
        m.put("stddev_ns", Math.round(sd));
        m.put("avg_ts", round(r.avgTs()));
        m.put("stddev_ts", round(r.stddevTs()));
        m.put("bandwidth_gbs", round(r.bandwidth() / 1e9));
        m.put("roofline_ts", r.nGen() > 0 ? round(r.rooflineTps()) : null);
        m.put("roofline_fraction", r.nGen() > 0 ? round(r.avgTs() / r.rooflineTps()) : null);
        return m;
    }

    private void csv(ModelFacts f, List<Result> rs) {
        out.println(String.join(",", FIELDS));
        String time = Instant.now().toString();
        for (Result r : rs) {
            List<String> cells = new ArrayList<>();
            for (Object v : row(f, r, time).values()) {
                String s = v == null ? "" : v.toString();
                cells.add(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
            }
            out.println(String.join(",", cells));
        }
    }

    private void json(ModelFacts f, List<Result> rs) {
        String time = Instant.now().toString();
        List<Object> rows = new ArrayList<>();
        for (Result r : rs) rows.add(row(f, r, time));
        out.println(Json.write(rows));
    }

    private static double round(double x) { return Math.round(x * 1000) / 1000.0; }

    private static String size(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.2f KiB", bytes / 1024.0);
    }

    private static String count(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        return String.format(Locale.ROOT, "%.2f K", n / 1e3);
    }
}
