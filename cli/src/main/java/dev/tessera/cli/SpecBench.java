package dev.tessera.cli;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.Transformer;
import dev.tessera.model.spec.AdaptiveDraftLength;
import dev.tessera.model.spec.DraftModelDrafter;
import dev.tessera.model.spec.Drafter;
import dev.tessera.model.spec.NgramDrafter;
import dev.tessera.model.spec.RecycleDrafter;
import dev.tessera.model.spec.SelfSpecDrafter;
import dev.tessera.model.spec.SpecStats;
import dev.tessera.model.spec.SpeculativeDecoder;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * {@code tessera bench --spec}: every drafter on a set of prompts, greedy, against plain decoding of
 * the same prompts in the same run. Prompts come in two kinds — ones whose continuation repeats
 * text already in the context (where copying drafters shine) and open-ended ones (where they must
 * back off) — and the table reports both.
 */
final class SpecBench {
    private SpecBench() {}

    /** A prompt and whether its continuation is expected to copy from its context. */
    record Prompt(String text, boolean repetitive) {}

    static final List<Prompt> BUILT_IN = List.of(
            new Prompt("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big,"
                    + " shiny ball in the park. She wanted to show it to her friend, Tom.\nOnce upon a time, there was a little girl named Lily."
                    + " She loved to play outside in the park. One day,", true),
            new Prompt("Tom had a red car. Tom had a red car and a blue ball. Tom had a red car and a blue ball and a big dog. Tom had a red car", true),
            new Prompt("Once upon a time", false),
            new Prompt("The sun was hot and the sky was blue. A little bird", false));

    static void run(Path model, Path draft, Path promptFile, int n, int threads, int reps, PrintStream out, PrintStream err) {
        List<Prompt> prompts = promptFile == null ? BUILT_IN : read(promptFile);
        try (CpuBackend be = new CpuBackend(threads); Model target = Model.open(model, be); Model small = draft == null ? null : Model.open(draft, be)) {
            Tokenizer tok = TokenizerLocator.locate(model, null);
            if (small != null) DraftModelDrafter.checkSameVocabulary(tok, TokenizerLocator.locate(draft, null), draft.toString());
            int vocab = target.config().vocabSize();
            List<String> names = new ArrayList<>(List.of("none", "ngram", "recycle", "self"));
            if (small != null) names.add("draft");
            Transformer tr = target.transformer(32, 32);
            int ctx = Math.min(target.config().contextLength(), 4096);
            double[][] rate = new double[names.size()][prompts.size()];
            SpecStats[][] stats = new SpecStats[names.size()][prompts.size()];
            try (KvCache cache = tr.newCache(ctx, TensorType.F32); KvCache draftCache = small == null ? null : small.transformer(32, 1).newCache(ctx, TensorType.F32)) {
                BiFunction<String, KvCache, Drafter> make = (name, c) -> switch (name) {
                    case "ngram" -> new NgramDrafter(1, 4);
                    case "recycle" -> new RecycleDrafter(vocab, 8, RecycleDrafter.defaultTemplate());
                    case "self" -> new SelfSpecDrafter(tr, c, null, new SplittableRandom(1), new AdaptiveDraftLength(1, 8, 16, 0.7), 8);
                    case "draft" -> new DraftModelDrafter(small.transformer(32, 1), draftCache, null, new SplittableRandom(1),
                            new AdaptiveDraftLength(1, 8, 16, 0.7));
                    default -> null;
                };
                for (int p = -1; p < prompts.size(); p++) {
                    boolean warmUp = p < 0; // one untimed pass of every drafter, so JIT compilation is not timed
                    int[] ids = tok.encode(prompts.get(Math.max(p, 0)).text(), true, false);
                    int limit = Math.min(warmUp ? 16 : n, ctx - ids.length - 40);
                    if (limit < 1) throw new IllegalArgumentException("prompt " + (p + 1) + " does not leave room to generate within the context of " + ctx);
                    int[] reference = null;
                    for (int d = 0; d < names.size(); d++) {
                        double best = 0;
                        for (int r = 0; r < Math.max(1, reps); r++) {
                            Drafter drafter = make.apply(names.get(d), cache);
                            AdaptiveDraftLength policy = drafter == null ? new AdaptiveDraftLength(0, 0, 1 << 30, 1) : new AdaptiveDraftLength(0, 8, 16, 0.7);
                            Drafter used = drafter == null ? new NgramDrafter(1, 1) : drafter;
                            SpeculativeDecoder dec = new SpeculativeDecoder(tr, cache, used, policy, null, new SplittableRandom(1));
                            int[] got = new int[limit];
                            int[] k = {0};
                            SpecStats s = dec.generate(ids, limit, t -> false, t -> got[k[0]++] = t);
                            if (reference == null) reference = got;
                            else if (!Arrays.equals(reference, got)) {
                                throw new IllegalStateException("drafter " + names.get(d) + " changed the greedy output on prompt " + (p + 1));
                            }
                            if (warmUp) break;
                            if (s.tokensPerSecond() > best) {
                                best = s.tokensPerSecond();
                                stats[d][p] = s;
                            }
                        }
                        if (warmUp) continue;
                        rate[d][p] = best;
                        err.printf(Locale.ROOT, "\r%s, prompt %d/%d: %.1f tok/s        ", names.get(d), p + 1, prompts.size(), best);
                        err.flush();
                    }
                }
            }
            err.println();
            out.printf(Locale.ROOT, "| drafter | prompts | accept rate | accepted per step | tok/s | speedup vs none |%n");
            out.println("| --- | --- | ---: | ---: | ---: | ---: |");
            for (int d = 0; d < names.size(); d++) {
                for (boolean repetitive : new boolean[] {true, false}) {
                    long drafted = 0, accepted = 0, steps = 0;
                    double tps = 0, speed = 0;
                    int count = 0;
                    for (int p = 0; p < prompts.size(); p++) {
                        if (prompts.get(p).repetitive() != repetitive) continue;
                        SpecStats s = stats[d][p];
                        drafted += s.drafted();
                        accepted += s.accepted();
                        steps += s.steps();
                        tps += rate[d][p];
                        speed += Math.log(rate[d][p] / rate[0][p]);
                        count++;
                    }
                    if (count == 0) continue;
                    out.printf(Locale.ROOT, "| %s | %s (%d) | %s | %.2f | %.2f | %.2fx |%n", names.get(d), repetitive ? "repetitive" : "open-ended", count,
                            drafted == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * accepted / drafted), (double) accepted / steps,
                            tps / count, Math.exp(speed / count));
                }
            }
        }
    }

    private static List<Prompt> read(Path file) {
        try {
            List<Prompt> out = new ArrayList<>();
            for (String block : Files.readString(file, StandardCharsets.UTF_8).split("\\n\\s*\\n")) {
                if (!block.isBlank()) out.add(new Prompt(block.strip(), false));
            }
            if (out.isEmpty()) throw new IllegalArgumentException("--prompts " + file + ": no prompts (separate them with blank lines)");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("--prompts " + file + ": " + e.getMessage(), e);
        }
    }
}
