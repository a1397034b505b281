package dev.tessera.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Speculative decoding flags of {@code run} (llama.cpp's names where it has them). */
final class SpecOptions {
    @Option(names = {"-md", "--draft", "--model-draft"}, paramLabel = "MODEL",
            description = "Draft model sharing the target's vocabulary (speculative decoding)")
    Path draft;

    @Option(names = "--spec", paramLabel = "KIND",
            description = "Drafter without a draft model: ngram (prompt lookup), recycle (Token Recycling), self (layer skipping)")
    String kind;

    @Option(names = "--draft-max", paramLabel = "N", defaultValue = "8", description = "Most tokens drafted per step (default: ${DEFAULT-VALUE})")
    int draftMax;

    @Option(names = "--draft-min", paramLabel = "N", defaultValue = "0",
            description = "Fewest tokens drafted per step; 0 lets the adaptive rule fall back to plain decoding (default: ${DEFAULT-VALUE})")
    int draftMin;

    @Option(names = "--draft-stop", paramLabel = "H", defaultValue = "0.7",
            description = "Stop a draft once the chance that some draft is rejected, from the draft's confidence, exceeds H (default: ${DEFAULT-VALUE})")
    double draftStop;

    @Option(names = "--draft-tree", paramLabel = "K", defaultValue = "1",
            description = "Draft-model token trees with K branches at the root (1: a chain; default: ${DEFAULT-VALUE})")
    int tree;

    @Option(names = "--draft-window", paramLabel = "N", defaultValue = "0",
            description = "Draft model attends to its last N positions only: cheaper drafts, still verified exactly (0: all; default: ${DEFAULT-VALUE})")
    int draftWindow;

    @Option(names = "--spec-compare", description = "Also run without speculation and print the speedup")
    boolean compare;

    /** The drafter to use, or null when speculation is off. */
    String drafter() {
        if (draft != null && kind != null && !kind.equalsIgnoreCase("draft")) {
            throw new IllegalArgumentException("--draft and --spec " + kind + " exclude each other");
        }
        if (draft != null) return "draft";
        if (kind == null) return null;
        String k = kind.toLowerCase(Locale.ROOT);
        return switch (k) {
            case "ngram", "recycle", "self" -> k;
            case "draft" -> throw new IllegalArgumentException("--spec draft needs --draft MODEL");
            default -> throw new IllegalArgumentException("--spec " + kind + ": expected ngram, recycle or self (or --draft MODEL)");
        };
    }

    void validate() {
        if (draftMin < 0 || draftMax < draftMin) {
            throw new IllegalArgumentException("--draft-min " + draftMin + " / --draft-max " + draftMax + ": expected 0 <= min <= max");
        }
        if (draftMax > 64) throw new IllegalArgumentException("--draft-max " + draftMax + ": expected at most 64");
        if (tree < 1 || tree > draftMax) throw new IllegalArgumentException("--draft-tree " + tree + ": expected 1.." + draftMax);
        if (!(draftStop > 0)) throw new IllegalArgumentException("--draft-stop " + draftStop + ": expected > 0");
        if (draftWindow < 0) throw new IllegalArgumentException("--draft-window " + draftWindow + ": expected >= 0");
    }
}
