package dev.tessera.cli;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.Model;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.WeightStats;
import dev.tessera.model.eval.Perplexity;
import dev.tessera.model.json.Json;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.testmodels.EmbeddedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tessera perplexity}: perplexity of a model over a text, and with {@code --kl-base} how far
 * its token distributions are from a reference model's (llama-perplexity --kl-divergence).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity over a text in windows; with --kl-base, KL divergence and top-1 agreement against a base model.")
final class PerplexityCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Model to evaluate (default: the embedded model)")
    String model;

    @Option(names = {"-f", "--file"}, paramLabel = "TEXT", required = true, description = "Text file to score")
    Path file;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", description = "Window length in tokens (default: 512, at most the model's context)")
    Integer ctx;

    @Option(names = "--kl-base", paramLabel = "BASE", description = "Reference model (e.g. the F32 original) for KL divergence")
    Path klBase;

    @Option(names = "--chunks", paramLabel = "N", description = "Score at most N windows")
    Integer maxChunks;

    @Option(names = "--json", description = "Print the result as one JSON object")
    boolean json;

    private final PrintStream out;
    private final PrintStream err;

    PerplexityCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--file " + file + ": no such file");
        Path path = model != null ? HubPath.resolve(model) : EmbeddedModel.path();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try (CpuBackend backend = new CpuBackend();
             Model m = Model.open(path, backend);
             Model base = klBase == null ? null : Model.open(klBase, backend)) {
            Tokenizer tok = TokenizerLocator.locate(path, null);
            int n = ctx != null ? ctx : Math.min(512, m.config().contextLength());
            if (n > m.config().contextLength()) err.println("warning: --ctx " + n + " exceeds the model's training context of " + m.config().contextLength());
            int[] tokens = tok.encode(text, tok.addBos(), false);
            if (maxChunks != null) {
                if (maxChunks < 1) throw new IllegalArgumentException("--chunks " + maxChunks + ": expected >= 1");
                tokens = java.util.Arrays.copyOf(tokens, Math.min(tokens.length, maxChunks * n));
            }
            int chunks = tokens.length / n;
            if (!json) err.printf(Locale.ROOT, "perplexity: %d tokens, %d windows of %d%n", tokens.length, chunks, n);
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.run(m.transformer(Math.min(n, 512), n), base == null ? null : base.transformer(Math.min(n, 512), n),
                    tokens, n, tok.bos(), done -> {
                        if (!json) {
                            err.printf(Locale.ROOT, "\r[%d/%d] %.1f s", done, chunks, (System.nanoTime() - t0) / 1e9);
                            err.flush();
                        }
                    });
            if (!json) err.println();
            WeightStats ws = WeightStats.of(m.weights());
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("perplexity", r.perplexity());
                o.put("perplexity_error", r.perplexityError());
                o.put("kl_divergence", base == null ? null : r.klDivergence());
                o.put("kl_p99", base == null ? null : r.klP99());
                o.put("top1_agreement", base == null ? null : r.top1Agreement());
                o.put("base_perplexity", base == null ? null : r.basePerplexity());
                o.put("bits_per_weight", ws.bitsPerWeight());
                o.put("tokens", r.tokens());
                out.println(Json.write(o));
            } else {
                out.printf(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.4f over %d tokens (%.3f bits per weight)%n", r.perplexity(),
                        r.perplexityError(), r.tokens(), ws.bitsPerWeight());
                if (base != null) {
                    out.printf(Locale.ROOT, "Base PPL:   %.4f%n", r.basePerplexity());
                    out.printf(Locale.ROOT, "Mean KLD:   %.6f%n", r.klDivergence());
                    out.printf(Locale.ROOT, "99.0%% KLD: %.6f%n", r.klP99());
                    out.printf(Locale.ROOT, "Same top:   %.2f%%%n", 100 * r.top1Agreement());
                }
            }
        }
        return 0;
    }
}
