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
import dev.tessera.tensor.AttentionMask;
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

/**
 * {@code tessera bench --spec}: every drafter on a set of prompts, greedy, against plain decoding of
 * the same prompts in the same run. Prompts come in two kinds — ones that ask to repeat or edit a
 * passage of their context (where copying drafters shine) and open-ended ones (where they must back
 * off) — and the table reports both. For fairness on a busy machine every prompt is first run once
 * by every drafter untimed (JIT warm-up), then the drafters take turns, plain decoding included, rep
 * after rep (A B C … A B C …), and the speedup compares medians of the same prompt. The step
 * profile says where a step's time goes; {@code v(k)} is the measured cost of a target forward pass
 * over k rows relative to one, which decides how many drafts pay.
 */
final class SpecBench {
    private SpecBench() {}

    /** A prompt and whether its continuation is expected to copy from its context. */
    record Prompt(String text, boolean repetitive) {}

    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
            + " One day, she saw a big, shiny ball in the park. She wanted to show it to her friend, Tom.";

    /** Marks a prompt of a {@code --prompts} file as repetitive when it is the block's first line. */
    static final String REPETITIVE_MARK = "[repetitive]";

    /*
     * The models this bench is run on (TinyStories-sized) follow no instructions, so the repetitive
     * prompts ask for a repeat by example: the passage is in the context twice and a third copy has
     * begun; or each sentence repeats the previous one with a small addition (a light edit).
     */
    static final List<Prompt> BUILT_IN = List.of(
            new Prompt(STORY + "\n" + STORY + "\nOnce upon a time", true),
            new Prompt("Tom had a red car. Tom had a red car and a blue ball. Tom had a red car and a blue ball and a big dog. Tom had a red car", true),
            new Prompt("Once upon a time", false),
            new Prompt("The sun was hot and the sky was blue. A little bird", false));

    private static final List<String> DRAFTERS = List.of("none", "ngram", "recycle", "self", "draft");

    static void run(Path model, Path draft, Path promptFile, int n, List<Integer> threads, int reps, PrintStream out, PrintStream err) {
        List<Prompt> prompts = promptFile == null ? BUILT_IN : read(promptFile);
        for (int t : threads) runAt(model, draft, prompts, n, t, Math.max(1, reps), out, err);
    }

    private static void runAt(Path model, Path draft, List<Prompt> prompts, int n, int threads, int reps, PrintStream out, PrintStream err) {
        try (CpuBackend be = new CpuBackend(threads); CpuBackend single = new CpuBackend(1); Model target = Model.open(model, be);
             Model small = draft == null ? null : Model.open(draft, threads > 1 ? single : be)) { // as SpeculativeRun.draftBackend
            Tokenizer tok = TokenizerLocator.locate(model, null);
            if (small != null) DraftModelDrafter.checkSameVocabulary(tok, TokenizerLocator.locate(draft, null), draft.toString());
            int vocab = target.config().vocabSize();
            List<String> names = small == null ? DRAFTERS.subList(0, 4) : DRAFTERS;
            Transformer tr = target.transformer(32, 32);
            Transformer dt = small == null ? null : small.transformer(32, 1);
            int ctx = Math.min(target.config().contextLength(), 4096);
            int drafters = names.size();
            double[][][] rate = new double[drafters][prompts.size()][reps];
            SpecStats[][] stats = new SpecStats[drafters][prompts.size()];
            out.printf(Locale.ROOT, "%n%d thread%s:%n%n", threads, threads == 1 ? "" : "s");
            try (KvCache cache = tr.newCache(ctx, TensorType.F32); KvCache draftCache = dt == null ? null : dt.newCache(ctx, TensorType.F32)) {
                printVerifyCost(out, tr, cache, dt, draftCache);
                for (int p = 0; p < prompts.size(); p++) {
                    int[] ids = tok.encode(prompts.get(p).text(), true, false);
                    int limit = Math.min(n, ctx - ids.length - 40);
                    if (limit < 1) throw new IllegalArgumentException("prompt " + (p + 1) + " does not leave room to generate within the context of " + ctx);
                    int[] reference = null;
                    for (int r = -1; r < reps; r++) { // r = -1: the untimed warm-up round
                        for (int d = 0; d < drafters; d++) {
                            int[] got = new int[limit];
                            SpecStats s = generate(names.get(d), tr, cache, dt, draftCache, vocab, ids, got);
                            if (reference == null) reference = got;
                            else if (!Arrays.equals(reference, got)) {
                                throw new IllegalStateException("drafter " + names.get(d) + " changed the greedy output on prompt " + (p + 1));
                            }
                            if (r < 0) continue;
                            rate[d][p][r] = s.tokensPerSecond();
                            if (stats[d][p] == null || s.tokensPerSecond() >= max(rate[d][p], r)) stats[d][p] = s;
                        }
                    }
                    err.printf(Locale.ROOT, "\rprompt %d/%d done", p + 1, prompts.size());
                    err.flush();
                }
            }
            err.println();
            printTable(out, names, prompts, rate, stats);
        }
    }

    private static double max(double[] x, int upTo) {
        double m = 0;
        for (int i = 0; i <= upTo; i++) m = Math.max(m, x[i]);
        return m;
    }

    /** One greedy generation of {@code got.length} tokens with the named drafter ("none": plain decoding through the same loop). */
    private static SpecStats generate(String name, Transformer tr, KvCache cache, Transformer dt, KvCache draftCache, int vocab, int[] ids, int[] got) {
        Drafter drafter = switch (name) {
            case "ngram" -> new NgramDrafter(1, 4);
            case "recycle" -> new RecycleDrafter(vocab, 8, RecycleDrafter.defaultTemplate());
            case "self" -> new SelfSpecDrafter(tr, cache, null, new SplittableRandom(1), new AdaptiveDraftLength(1, 8, 16, 0.7), 8);
            case "draft" -> new DraftModelDrafter(dt, draftCache, null, new SplittableRandom(1), new AdaptiveDraftLength(1, 8, 16, 0.7));
            default -> new NgramDrafter(1, 1);
        };
        AdaptiveDraftLength policy = name.equals("none") ? new AdaptiveDraftLength(0, 0, 1 << 30, 1) : new AdaptiveDraftLength(0, 8, 16, 0.7);
        SpeculativeDecoder dec = new SpeculativeDecoder(tr, cache, drafter, policy, null, new SplittableRandom(1));
        int[] k = {0};
        return dec.generate(ids, got.length, t -> false, t -> got[k[0]++] = t);
    }

    /**
     * {@code v(k)}: target forward passes of k rows after a 64-token prefix, the sizes taken in
     * turn, minimum and median of many; and the draft model's cost of one token relative to the target's.
     */
    private static void printVerifyCost(PrintStream out, Transformer tr, KvCache cache, Transformer dt, KvCache draftCache) {
        int[] ks = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16};
        int samples = 60;
        long[][] t = new long[ks.length + 1][samples];
        float[] logits = new float[16 * tr.config().vocabSize()];
        int base = 64;
        fill(tr, cache, base, logits);
        if (dt != null) fill(dt, draftCache, base, new float[dt.config().vocabSize()]);
        for (int s = -10; s < samples; s++) {
            for (int j = 0; j <= ks.length; j++) {
                boolean draftRow = j == ks.length;
                if (draftRow && dt == null) continue;
                int k = draftRow ? 1 : ks[j];
                int[] tok = new int[k], pos = new int[k], rows = new int[draftRow ? 1 : k];
                for (int i = 0; i < k; i++) {
                    tok[i] = 1 + i;
                    pos[i] = base + i;
                    if (!draftRow) rows[i] = i;
                }
                long t0 = System.nanoTime();
                if (draftRow) dt.forward(draftCache, tok, pos, pos, AttentionMask.CAUSAL, rows, logits);
                else tr.forward(cache, tok, pos, pos, AttentionMask.CAUSAL, rows, logits);
                if (s >= 0) t[j][s] = System.nanoTime() - t0;
            }
        }
        for (long[] x : t) Arrays.sort(x);
        double one = t[0][samples / 2];
        StringBuilder sb = new StringBuilder("target forward of k rows, median (min) us, and v(k) = median / median of k=1:\n");
        for (int j = 0; j < ks.length; j++) {
            sb.append(String.format(Locale.ROOT, "  k=%d: %.0f (%.0f) us, v=%.2f%n", ks[j], t[j][samples / 2] / 1e3, t[j][0] / 1e3, t[j][samples / 2] / one));
        }
        if (dt != null) {
            sb.append(String.format(Locale.ROOT, "draft model, one token: %.0f (%.0f) us = %.2f of a target token%n",
                    t[ks.length][samples / 2] / 1e3, t[ks.length][0] / 1e3, t[ks.length][samples / 2] / one));
        }
        out.println(sb);
    }

    private static void fill(Transformer m, KvCache cache, int count, float[] logits) {
        int[] tok = new int[count], pos = new int[count];
        for (int i = 0; i < count; i++) {
            tok[i] = 1 + i % 100;
            pos[i] = i;
        }
        for (int s = 0; s < count; s += m.maxBatch()) {
            int b = Math.min(m.maxBatch(), count - s);
            int[] p = Arrays.copyOfRange(pos, s, s + b);
            m.forward(cache, Arrays.copyOfRange(tok, s, s + b), p, p, AttentionMask.CAUSAL, new int[0], logits);
        }
    }

    private static void printTable(PrintStream out, List<String> names, List<Prompt> prompts, double[][][] rate, SpecStats[][] stats) {
        out.println("| drafter | prompts | accept rate | accepted per step | tok/s (median) | speedup, median (best) | draft / forward / accept / commit, us per step |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | --- |");
        for (int d = 0; d < names.size(); d++) {
            for (boolean repetitive : new boolean[] {true, false}) {
                long drafted = 0, accepted = 0, steps = 0, draftNs = 0, forwardNs = 0, acceptNs = 0, commitNs = 0;
                double tps = 0, speed = 0, bestSpeed = 0;
                int count = 0;
                for (int p = 0; p < prompts.size(); p++) {
                    if (prompts.get(p).repetitive() != repetitive) continue;
                    SpecStats s = stats[d][p];
                    drafted += s.drafted();
                    accepted += s.accepted();
                    steps += s.steps();
                    draftNs += s.draftNanos();
                    forwardNs += s.forwardNanos();
                    acceptNs += s.acceptNanos();
                    commitNs += s.commitNanos();
                    double median = median(rate[d][p]);
                    tps += median;
                    speed += Math.log(median / median(rate[0][p]));
                    bestSpeed += Math.log(max(rate[d][p], rate[d][p].length - 1) / max(rate[0][p], rate[0][p].length - 1));
                    count++;
                }
                if (count == 0) continue;
                out.printf(Locale.ROOT, "| %s | %s (%d) | %s | %.2f | %.0f | %.2fx (%.2fx) | %.0f / %.0f / %.1f / %.1f |%n", names.get(d),
                        repetitive ? "repetitive" : "open-ended", count,
                        drafted == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * accepted / drafted), (double) accepted / steps,
                        tps / count, Math.exp(speed / count), Math.exp(bestSpeed / count), draftNs / 1e3 / steps, forwardNs / 1e3 / steps,
                        acceptNs / 1e3 / steps, commitNs / 1e3 / steps);
            }
        }
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static List<Prompt> read(Path file) {
        try {
            List<Prompt> out = new ArrayList<>();
            for (String block : Files.readString(file, StandardCharsets.UTF_8).split("\\n\\s*\\n")) {
                String b = block.strip();
                if (b.isEmpty()) continue;
                boolean repetitive = b.startsWith(REPETITIVE_MARK);
                out.add(new Prompt(repetitive ? b.substring(REPETITIVE_MARK.length()).strip() : b, repetitive));
            }
            if (out.isEmpty()) throw new IllegalArgumentException("--prompts " + file + ": no prompts (separate them with blank lines)");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("--prompts " + file + ": " + e.getMessage(), e);
        }
    }
}
