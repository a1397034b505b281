package dev.tessera.cli;

import dev.tessera.model.Generator;
import dev.tessera.model.LoadTrace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tessera run}: complete a prompt, streaming the text. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate text from a prompt (streams to stdout, timings to stderr).")
final class RunCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SamplingOptions sampling;
    @Mixin SpecOptions spec;

    @ArgGroup(exclusive = true)
    PromptSource prompt;

    static final class PromptSource {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt text") String text;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the prompt from a file") Path file;
    }

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "128", description = "Tokens to generate; -1 = until the end of text or a full context (default: ${DEFAULT-VALUE})")
    int nPredict;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text is generated (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--no-display-prompt", description = "Do not echo the prompt")
    boolean noDisplayPrompt;

    @Option(names = "--json-stats", description = "Print the timings as one JSON line on stderr")
    boolean jsonStats;

    private final java.io.InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    RunCommand(java.io.InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        spec.validate(); // before anything is printed
        String text = readPrompt();
        try (ModelOptions.Loaded l = model.load(err, 1)) {
            int[] ids = l.tokenizer().encode(text, true, true);
            if (ids.length == 0) {
                if (l.tokenizer().bos() < 0) throw new IllegalArgumentException("empty prompt and the model has no BOS token");
                ids = new int[] {l.tokenizer().bos()};
            }
            if (!noDisplayPrompt) out.print(text);
            out.flush();
            if (spec.drafter() != null) return speculative(l, ids);
            Generator g = new Generator(l.session(), l.tokenizer(), sampling.sampler());
            boolean[] first = {true};
            Generator.Result r = g.generate(ids, nPredict, stops, s -> {
                out.print(s);
                out.flush();
                if (first[0]) LoadTrace.mark("first token printed");
                first[0] = false;
            }, () -> false);
            out.println();
            out.flush();
            if (r.stop() == Generator.Stop.CONTEXT_FULL) {
                err.println("stopped: context is full (" + l.session().capacity() + " tokens); raise --ctx or pass --context-shift");
            }
            Stats.print(err, l.loadNanos(), r, jsonStats);
        }
        return 0;
    }

    private int speculative(ModelOptions.Loaded l, int[] ids) {
        // Warm the shared kernels first so the comparison does not favour whichever runs second.
        if (spec.compare) SpeculativeRun.plainTokensPerSecond(l, sampling.params(), ids, Math.min(16, Math.max(1, nPredict)));
        SpeculativeRun.Outcome o = SpeculativeRun.run(l, spec, sampling.params(), ids, nPredict, stops, out, err, false);
        out.println();
        out.flush();
        if (o.contextFull()) {
            err.println("stopped: context is full (" + l.session().capacity() + " tokens); raise --ctx");
            return 0;
        }
        double plain = spec.compare ? SpeculativeRun.plainTokensPerSecond(l, sampling.params(), ids, o.generated().length) : 0;
        SpeculativeRun.report(err, o.stats(), plain);
        Generator.Result r = new Generator.Result(o.generated(), Generator.Stop.LENGTH, ids.length, o.stats().prefillNanos(),
                o.generated().length, o.stats().totalNanos());
        Stats.print(err, l.loadNanos(), r, jsonStats, o.stats(), plain);
        return 0;
    }

    private String readPrompt() throws IOException {
        if (prompt != null && prompt.text != null) return prompt.text;
        if (prompt != null && prompt.file != null) {
            if (!Files.isRegularFile(prompt.file)) throw new IllegalArgumentException("--file " + prompt.file + ": no such file");
            return Files.readString(prompt.file, StandardCharsets.UTF_8);
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
