package dev.tessera.cli;

import dev.tessera.model.Generator;
import dev.tessera.model.spec.SpecStats;
import java.io.PrintStream;
import java.util.Locale;

/** The timing lines {@code run} prints to stderr when it ends. */
final class Stats {
    private Stats() {}

    static void print(PrintStream err, long loadNanos, Generator.Result r, boolean json) {
        print(err, loadNanos, r, json, null, 0);
    }

    /** With a speculative run's statistics ({@code spec} null: none) and the plain rate it was compared with. */
    static void print(PrintStream err, long loadNanos, Generator.Result r, boolean json, SpecStats spec, double plainTps) {
        double loadMs = loadNanos / 1e6;
        if (json) {
            String extra = "";
            if (spec != null) {
                extra = String.format(Locale.ROOT, ",\"drafter\":\"%s\",\"accept_rate\":%.4f,\"mean_accepted\":%.4f,\"drafts_per_s\":%.3f",
                        spec.drafter(), spec.acceptRate(), spec.meanAccepted(), spec.draftsPerSecond());
                if (plainTps > 0) extra += String.format(Locale.ROOT, ",\"plain_gen_tps\":%.3f,\"speedup\":%.4f", plainTps, r.genTokensPerSecond() / plainTps);
            }
            err.printf(Locale.ROOT, "{\"load_ms\":%.3f,\"prompt_tokens\":%d,\"prompt_tps\":%.3f,\"gen_tokens\":%d,\"gen_tps\":%.3f%s}%n",
                    loadMs, r.promptTokens(), r.promptTokensPerSecond(), r.genTokens(), r.genTokensPerSecond(), extra);
            return;
        }
        err.printf(Locale.ROOT, "load:       %10.2f ms%n", loadMs);
        err.printf(Locale.ROOT, "prompt:     %10.2f ms / %5d tokens (%9.2f tok/s)%n", r.promptNanos() / 1e6, r.promptTokens(), r.promptTokensPerSecond());
        err.printf(Locale.ROOT, "generation: %10.2f ms / %5d tokens (%9.2f tok/s)%n", r.genNanos() / 1e6, r.genTokens(), r.genTokensPerSecond());
    }
}
