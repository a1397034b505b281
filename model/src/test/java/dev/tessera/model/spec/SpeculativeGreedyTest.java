package dev.tessera.model.spec;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.SharedData;
import dev.tessera.model.Transformer;
import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Greedy speculative decoding must print exactly what plain greedy decoding prints, for every
 * drafter (speculative-decoding.md §9, end-to-end 1). Target: distill3M (the largest real model);
 * draft model: stories260K (same tok512 vocabulary).
 */
class SpeculativeGreedyTest {
    private static final int N = 96;
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park. Lily and Tom went to the park. Lily and",
        "The cat sat on the mat. The dog"};

    private static CpuBackend backend;
    private static Model target;
    private static Model small;
    private static Tokenizer tokenizer;
    /** The transformer the decoder under test verifies with (the self drafter shares it). */
    private static Transformer currentTarget;

    @BeforeAll
    static void load() {
        Path t = SharedData.require("test-models/gguf/distill3M.gguf");
        Path d = SharedData.require("test-models/gguf/stories260K.gguf");
        backend = new CpuBackend(1); // tiny models: a second thread only adds hand-offs
        target = Model.open(t, backend);
        small = Model.open(d, backend);
        tokenizer = TokenizerLocator.locate(t, null);
    }

    @AfterAll
    static void close() {
        if (small != null) small.close();
        if (target != null) target.close();
        if (backend != null) backend.close();
    }

    /** Plain greedy decoding, one token per forward pass, as the reference. */
    private static int[] plain(int[] prompt) {
        Transformer tr = target.transformer(64, 1);
        try (KvCache cache = tr.newCache(256, TensorType.F32)) {
            float[] logits = new float[tr.config().vocabSize()];
            int[] pos = new int[prompt.length];
            for (int i = 0; i < pos.length; i++) pos[i] = i;
            tr.forward(cache, prompt, pos, pos, AttentionMask.CAUSAL, new int[] {prompt.length - 1}, logits);
            int[] out = new int[N];
            for (int i = 0; i < N; i++) {
                out[i] = argmax(logits);
                tr.forward(cache, new int[] {out[i]}, new int[] {prompt.length + i}, new int[] {prompt.length + i},
                        AttentionMask.CAUSAL, new int[] {0}, logits);
            }
            return out;
        }
    }

    private static SpecStats speculative(int[] prompt, Function<KvCache, Drafter> drafter, int[] out) {
        Transformer tr = target.transformer(32, 32);
        currentTarget = tr;
        try (KvCache cache = tr.newCache(256, TensorType.F32)) {
            int[] n = {0};
            SpeculativeDecoder dec = new SpeculativeDecoder(tr, cache, drafter.apply(cache), new AdaptiveDraftLength(0, 8, 8, 0.9), null,
                    new SplittableRandom(1));
            SpecStats s = dec.generate(prompt, N, t -> false, t -> out[n[0]++] = t);
            assertEquals(N, n[0]);
            return s;
        }
    }

    private void check(Function<KvCache, Drafter> drafter, String name) {
        long accepted = 0;
        for (String p : PROMPTS) {
            int[] prompt = tokenizer.encode(p, true, false);
            int[] expected = plain(prompt);
            int[] got = new int[N];
            SpecStats s = speculative(prompt, drafter, got);
            assertArrayEquals(expected, got, name + " on \"" + p + "\": " + tokenizer.decode(expected) + " vs " + tokenizer.decode(got));
            accepted += s.accepted();
        }
        assertTrue(accepted > 0, name + " never had a draft accepted");
    }

    @Test
    void ngramDraftsGiveThePlainGreedyOutput() {
        check(c -> new NgramDrafter(1, 4), "ngram");
    }

    @Test
    void tokenRecyclingTreesGiveThePlainGreedyOutput() {
        check(c -> new RecycleDrafter(tokenizer.vocabSize(), 8, RecycleDrafter.defaultTemplate()), "recycle");
    }

    @Test
    void aDraftModelGivesThePlainGreedyOutput() {
        check(c -> new DraftModelDrafter(small.transformer(64, 1), small.transformer(64, 1).newCache(256, TensorType.F32), null,
                new SplittableRandom(2), new AdaptiveDraftLength(1, 8, 8, 0.9)), "draft");
    }

    @Test
    void selfSpeculationGivesThePlainGreedyOutput() {
        check(c -> new SelfSpecDrafter(currentTarget, c, null, new SplittableRandom(3), new AdaptiveDraftLength(1, 6, 8, 0.9), 4), "self");
    }

    @Test
    void aDraftModelWithAShortAttentionWindowGivesThePlainGreedyOutput() {
        check(c -> new DraftModelDrafter(small.transformer(64, 1, 16), small.transformer(64, 1).newCache(256, TensorType.F32), null,
                new SplittableRandom(2), new AdaptiveDraftLength(1, 8, 8, 0.9)), "windowed draft");
    }

    @Test
    void anAttentionWindowLimitsOnlyRowsPastIt() {
        // Window 4: positions 0..3 still see every earlier slot, so their logits are those of the
        // full pass; later positions lose context and differ.
        Transformer full = small.transformer(32, 32), windowed = small.transformer(32, 32, 4);
        int[] tokens = tokenizer.encode(PROMPTS[1], true, false);
        int n = Math.min(tokens.length, 20);
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = i;
        int vocab = full.config().vocabSize();
        float[] a = new float[n * vocab], b = new float[n * vocab];
        try (KvCache ca = full.newCache(64, TensorType.F32); KvCache cb = windowed.newCache(64, TensorType.F32)) {
            full.forward(ca, java.util.Arrays.copyOf(tokens, n), pos, pos, AttentionMask.CAUSAL, pos, a);
            windowed.forward(cb, java.util.Arrays.copyOf(tokens, n), pos, pos, AttentionMask.CAUSAL, pos, b);
        }
        assertArrayEquals(java.util.Arrays.copyOf(a, 4 * vocab), java.util.Arrays.copyOf(b, 4 * vocab));
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, (n - 1) * vocab, n * vocab),
                java.util.Arrays.copyOfRange(b, (n - 1) * vocab, n * vocab)), "the window must change a row that reaches past it");
    }

    @Test
    void theTargetAsItsOwnDraftIsAlwaysAccepted() {
        int[] prompt = tokenizer.encode(PROMPTS[0], true, false);
        int[] got = new int[N];
        SpecStats s = speculative(prompt, c -> new DraftModelDrafter(target.transformer(64, 1), target.transformer(64, 1).newCache(256, TensorType.F32),
                null, new SplittableRandom(2), new AdaptiveDraftLength(1, 8, 8, 2.0)), got);
        assertArrayEquals(plain(prompt), got);
        assertEquals(1.0, s.acceptRate(), 1e-9, "a draft identical to the target must always be accepted: " + s);
    }

    @Test
    void afterTreeStepsTheCacheEqualsAFreshPrefillOfTheCommittedTokens() {
        int[] prompt = tokenizer.encode(PROMPTS[1], true, false);
        Transformer tr = target.transformer(32, 32);
        try (KvCache cache = tr.newCache(256, TensorType.F32); KvCache fresh = tr.newCache(256, TensorType.F32)) {
            int[] out = new int[40];
            int[] n = {0};
            SpeculativeDecoder dec = new SpeculativeDecoder(tr, cache, new RecycleDrafter(tokenizer.vocabSize(), 8, RecycleDrafter.defaultTemplate()),
                    new AdaptiveDraftLength(4, 12, 8, 0.9), null, new SplittableRandom(1));
            SpecStats s = dec.generate(prompt, out.length, t -> false, t -> out[n[0]++] = t);
            assertTrue(s.accepted() > 0, "the test needs accepted tree drafts to exercise compaction: " + s);
            // Committed: the prompt and all generated tokens but the last, which is pending.
            int[] seq = new int[prompt.length + out.length];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(out, 0, seq, prompt.length, out.length);
            int last = seq.length - 1;
            float[] viaSpec = new float[tr.config().vocabSize()];
            tr.forward(cache, new int[] {seq[last]}, new int[] {last}, new int[] {last}, AttentionMask.CAUSAL, new int[] {0}, viaSpec);
            float[] viaPrefill = new float[tr.config().vocabSize()];
            for (int start = 0; start < seq.length; start += 32) {
                int b = Math.min(32, seq.length - start);
                int[] pos = new int[b];
                for (int i = 0; i < b; i++) pos[i] = start + i;
                tr.forward(fresh, java.util.Arrays.copyOfRange(seq, start, start + b), pos, pos, AttentionMask.CAUSAL,
                        start + b == seq.length ? new int[] {b - 1} : new int[0], viaPrefill);
            }
            for (int v = 0; v < viaSpec.length; v++) {
                assertEquals(viaPrefill[v], viaSpec[v], 1e-4f * Math.max(1, Math.abs(viaPrefill[v])), "logit " + v);
            }
        }
    }

    private static int argmax(float[] x) {
        int b = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
        return b;
    }

}
