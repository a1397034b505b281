package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.Transformer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every family and file layout: a random tiny model written by {@link TinyModelWriter},
 * loaded by the runtime and run through the production forward pass (batched prefill with
 * logits for every row, then single-token decode, then a rollback), compared with
 * {@link ScalarReference} at every position.
 */
class ArchitectureForwardTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> families() {
        List<Arguments> out = new ArrayList<>();
        for (String arch : List.of("llama", "qwen2", "qwen3", "phi3", "gemma", "gemma2", "gemma3")) {
            out.add(Arguments.of(arch, false));
            out.add(Arguments.of(arch, true));
        }
        out.add(Arguments.of("mistral", true));
        return out.stream();
    }

    private Path write(TinyModel m, boolean hf) throws Exception {
        Path p = tmp.resolve(m.spec().arch() + m.spec().window() + (hf ? "-hf" : ".gguf"));
        if (hf) TinyModelWriter.writeSafetensors(m, p);
        else TinyModelWriter.writeGguf(m, p);
        return p;
    }

    @ParameterizedTest(name = "{0} hf={1}")
    @MethodSource("families")
    void matchesScalarReference(String arch, boolean hf) throws Exception {
        TinyModel tiny = TinyModel.random(TinySpec.of(arch, hf), 42);
        ScalarReference ref = new ScalarReference(tiny);
        int[] tokens = new SplittableRandom(7).ints(12, 0, tiny.spec().vocab()).toArray();
        float[][] want = ref.logits(tokens);
        int vocab = tiny.spec().vocab();
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(write(tiny, hf), be)) {
            assertEquals(tiny.spec().arch(), m.config().architecture());
            Transformer t = m.transformer(6, 3);
            try (KvCache cache = t.newCache(32, TensorType.F32)) {
                // a prefill batch of 6 with logits for every row (in runs of at most 3)
                int[] pos = {0, 1, 2, 3, 4, 5};
                float[] out = new float[6 * vocab];
                t.forward(cache, Arrays.copyOf(tokens, 6), pos, pos, AttentionMask.CAUSAL, pos, out);
                for (int r = 0; r < 6; r++) assertClose(want[r], Arrays.copyOfRange(out, r * vocab, (r + 1) * vocab), 1e-3, arch + " prefill row " + r);
                float[] one = new float[vocab];
                for (int p = 6; p < tokens.length; p++) {
                    t.forward(cache, new int[] {tokens[p]}, new int[] {p}, new int[] {p}, AttentionMask.CAUSAL, new int[] {0}, one);
                    assertClose(want[p], one, 1e-3, arch + " decode position " + p);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} hf={1}")
    @MethodSource("families")
    void rollbackAndF16CacheAgreeWithReference(String arch, boolean hf) throws Exception {
        TinyModel tiny = TinyModel.random(TinySpec.of(arch, hf), 9);
        ScalarReference ref = new ScalarReference(tiny);
        int[] first = new SplittableRandom(1).ints(10, 0, tiny.spec().vocab()).toArray();
        int[] second = first.clone();
        for (int i = 5; i < second.length; i++) second[i] = (first[i] + 17) % tiny.spec().vocab();
        float[][] want = ref.logits(second);
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(write(tiny, hf), be);
             Session s = new Session(m.transformer(4, 1), 16, TensorType.F16, false, 0)) {
            s.append(first);
            s.rollback(5);
            assertClose(want[5], s.decode(second[5]), 2e-2, arch + " after rollback");
            float[] last = s.append(Arrays.copyOfRange(second, 6, 10));
            assertClose(want[9], last, 2e-2, arch + " chunked append after rollback");
            assertEquals(10, s.length());
        }
    }

    @org.junit.jupiter.api.Test
    void contextShiftKeepsThePrefixAndRecentTokens() throws Exception {
        TinyModel tiny = TinyModel.random(TinySpec.of("qwen2", false), 3);
        int[] seq = new SplittableRandom(5).ints(11, 0, tiny.spec().vocab()).toArray();
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(write(tiny, false), be);
             Session s = new Session(m.transformer(4, 1), 8, TensorType.F32, true, 2)) {
            s.append(Arrays.copyOf(seq, 8)); // full
            float[] got = s.decode(seq[8]);  // 6 shiftable tokens: the older 3 go, then seq[8] is added
            int[] kept = {seq[0], seq[1], seq[5], seq[6], seq[7], seq[8]};
            assertArrayEquals(kept, s.tokens());
            float[][] want = new ScalarReference(tiny).logits(kept);
            assertClose(want[kept.length - 1], got, 1e-3, "after a context shift");
        }
        try (CpuBackend be = new CpuBackend(); Model m = Model.open(write(tiny, false), be);
             Session s = new Session(m.transformer(4, 1), 8, TensorType.F32, false, 2)) {
            s.append(Arrays.copyOf(seq, 8));
            assertThrows(dev.tessera.model.ContextFullException.class, () -> s.decode(seq[8]));
        }
    }

    static void assertClose(float[] want, float[] got, double rel, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            double tol = rel * Math.max(1, Math.abs(want[i]));
            if (Math.abs(want[i] - got[i]) > tol) fail(what + ": logit " + i + " is " + got[i] + ", reference " + want[i]);
        }
    }
}
