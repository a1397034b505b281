package dev.tessera.cli;

import dev.tessera.model.Generator;
import java.io.PrintStream;
import java.util.Locale;

/** The timing lines {@code run} prints to stderr when it ends. */
final class Stats {
    private Stats() {}

    static void print(PrintStream err, long loadNanos, Generator.Result r, boolean json) {
        double loadMs = loadNanos / 1e6;
        if (json) {
            err.printf(Locale.ROOT, "{\"load_ms\":%.3f,\"prompt_tokens\":%d,\"prompt_tps\":%.3f,\"gen_tokens\":%d,\"gen_tps\":%.3f}%n",
                    loadMs, r.promptTokens(), r.promptTokensPerSecond(), r.genTokens(), r.genTokensPerSecond());
            return;
        }
        err.printf(Locale.ROOT, "load:       %10.2f ms%n", loadMs);
        err.printf(Locale.ROOT, "prompt:     %10.2f ms / %5d tokens (%9.2f tok/s)%n", r.promptNanos() / 1e6, r.promptTokens(), r.promptTokensPerSecond());
        err.printf(Locale.ROOT, "generation: %10.2f ms / %5d tokens (%9.2f tok/s)%n", r.genNanos() / 1e6, r.genTokens(), r.genTokensPerSecond());
    }
}
