package dev.tessera.cli;

import dev.tessera.model.quantize.Calibration;
import dev.tessera.model.quantize.Imatrix;
import dev.tessera.model.quantize.ModelQuantizer;
import dev.tessera.model.quantize.QuantTarget;
import dev.tessera.model.quantize.QuantizeSource;
import dev.tessera.model.quantize.TensorPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tessera quantize IN OUT --type T}: llama-quantize's presets, plus Tessera's int8/int4 group types. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a GGUF file, safetensors folder or llama2.c checkpoint into a GGUF file.")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "GGUF file, Hugging Face safetensors folder or llama2.c checkpoint")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "GGUF file to write")
    Path out;

    @Option(names = {"-t", "--type"}, required = true, paramLabel = "T",
            description = "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S,"
                    + " Q4_K_M, Q5_K_S, Q5_K_M, Q6_K (Q3_K/Q4_K/Q5_K = their _M mix), int8, int4, glvq-N, pvq-N (N bits)")
    String type;

    @Option(names = "--group-size", paramLabel = "G", description = "int8/int4 group size: 32, 64 or 128 (default: ${DEFAULT-VALUE})")
    int groupSize = 128;

    @Option(names = "--asym", description = "int4 with a per-group minimum (asymmetric)")
    boolean asym;

    @Option(names = "--keep-output", description = "Leave output.weight (or the tied embedding) unquantized")
    boolean keepOutput;

    @Option(names = "--keep-embeddings", description = "Leave token_embd.weight unquantized")
    boolean keepEmbeddings;

    @Option(names = "--pure", description = "No per-tensor mix: every matrix gets the type's default")
    boolean pure;

    @Option(names = "--allow-requantize", description = "Allow quantizing tensors that are already quantized")
    boolean allowRequantize;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: available processors)")
    Integer threads;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "Importance matrix to use (llama.cpp .dat or GGUF format)")
    Path imatrixIn;

    @Option(names = "--importance", description = "Collect an importance matrix first (on --calib text, else on text the model samples)")
    boolean importance;

    @Option(names = "--calib", paramLabel = "TEXT", description = "Calibration text for the importance matrix (implies --importance)")
    Path calib;

    @Option(names = "--calib-tokens", paramLabel = "N", description = "Calibration tokens (default: ${DEFAULT-VALUE})")
    int calibTokens = 8192;

    @Option(names = "--save-imatrix", paramLabel = "FILE", description = "Write the collected importance matrix (.gguf or .dat)")
    Path saveImatrix;

    private final PrintStream err;

    QuantizeCommand(PrintStream err) {
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        QuantTarget target = QuantTarget.parse(type, groupSize, asym);
        if (!Files.exists(in)) throw new IllegalArgumentException("IN " + in + ": no such file or directory");
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new IllegalArgumentException("OUT " + out + ": directory " + dir + " does not exist");
        if (Files.isDirectory(out)) throw new IllegalArgumentException("OUT " + out + ": is a directory");
        if (imatrixIn != null && (calib != null || importance)) {
            throw new IllegalArgumentException("--imatrix: give either an importance matrix or --calib/--importance, not both");
        }
        if (calib != null && !Files.isRegularFile(calib)) throw new IllegalArgumentException("--calib " + calib + ": no such file");
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Imatrix imatrix = imatrixIn != null ? Imatrix.load(imatrixIn) : null;
        if (calib != null || importance) {
            long t0 = System.nanoTime();
            String text = calib != null ? Files.readString(calib) : null;
            imatrix = Calibration.collect(in, text, calibTokens, msg -> err.println("imatrix: " + msg));
            err.printf(Locale.ROOT, "imatrix: %d matrices over %d chunks in %.1f s%n", imatrix.values().size(), imatrix.chunks(),
                    (System.nanoTime() - t0) / 1e9);
            if (saveImatrix != null) imatrix.save(saveImatrix);
        } else if (saveImatrix != null) {
            throw new IllegalArgumentException("--save-imatrix: nothing to save without --calib or --importance");
        }
        var options = new ModelQuantizer.Options(target, keepOutput, keepEmbeddings, pure, allowRequantize, n, imatrix);
        long t0 = System.nanoTime();
        // OUT only appears, complete, at the final rename; on Ctrl-C this removes the temporary file too.
        Thread cleanup = new Thread(() -> deleteTemporaries(out));
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (QuantizeSource src = QuantizeSource.open(in)) {
            long elements = 0;
            for (TensorPlan p : ModelQuantizer.plan(src, options)) elements += p.source().shape().size();
            Progress progress = new Progress(err, System.console() != null, t0, elements);
            List<TensorPlan> plan = ModelQuantizer.run(src, options, out, progress::tensorDone);
            progress.finish();
            long inBytes = 0;
            for (TensorPlan p : plan) inBytes += p.source().data().byteSize();
            long outBytes = Files.size(out);
            err.printf(Locale.ROOT, "quantize: %s -> %s (%s): %.2f MiB -> %.2f MiB in %.1f s%n", in, out, target.label(),
                    inBytes / 1048576.0, outBytes / 1048576.0, (System.nanoTime() - t0) / 1e9);
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        return 0;
    }

    /** Deletes the writer's temporary siblings of {@code out} ({@code .<name>.*.tmp}). */
    private static void deleteTemporaries(Path out) {
        Path abs = out.toAbsolutePath();
        try (var ds = Files.newDirectoryStream(abs.getParent(), "." + abs.getFileName() + ".*.tmp")) {
            for (Path p : ds) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException ignored) {
            // best effort while the JVM shuts down
        }
    }

    /** A progress bar with ETA on a console, one line per tensor otherwise. */
    private static final class Progress {
        private final PrintStream err;
        private final boolean console;
        private final long start;
        private final long elements;
        private long done;

        Progress(PrintStream err, boolean console, long start, long elements) {
            this.err = err;
            this.console = console;
            this.start = start;
            this.elements = elements;
        }

        void tensorDone(int index, int total, TensorPlan p) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            done += p.source().shape().size();
            if (!console) {
                err.printf(Locale.ROOT, "[%d/%d] %-32s %-6s -> %-10s %s%n", index, total, p.name(), p.source().type(), p.target(),
                        p.convert() ? "converted" : "copied");
                return;
            }
            int width = 30;
            double fraction = elements == 0 ? 1 : (double) done / elements;
            int filled = (int) (width * fraction);
            // ETA by elements done: tensors differ in size by orders of magnitude
            double eta = fraction == 0 ? 0 : elapsed / fraction * (1 - fraction);
            err.printf(Locale.ROOT, "\r[%s%s] %d/%d  %.0f s, ETA %.0f s  %-32.32s", "#".repeat(filled), " ".repeat(width - filled),
                    index, total, elapsed, eta, p.name());
            err.flush();
        }

        void finish() {
            if (console) err.println();
        }
    }
}
