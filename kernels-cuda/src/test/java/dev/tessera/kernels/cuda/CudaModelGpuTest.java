package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real models on the GPU against the scalar reference backend (whose forward pass reproduces the
 * float64 stories260K reference, see {@link MiniLlamaReferenceTest}): logits of a prefill and of
 * every decode step, run directly and as captured CUDA graphs, with F32 and F16 KV caches.
 * Needs a GPU; skipped without one.
 */
class CudaModelGpuTest {
    /** Logits differ by float summation order; weights of types without a kernel are rounded to F16 on the GPU. */
    private static final double TOL = 2e-3, TOL_F16_FALLBACK = 1e-2;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "stories260K-F16.gguf", "stories260K-Q8_0-fallback.gguf",
            "stories260K-Q4_0-fallback.gguf", "stories260K-Q5_0-fallback.gguf", "distill3M.gguf", "distill3M-Q8_0.gguf",
            "distill3M-Q6_K.gguf", "distill3M-Q4_K_M.gguf", "distill3M-Q4_0.gguf", "distill3M-Q3_K_M.gguf", "distill3M-Q2_K.gguf"})
    void logitsMatchTheReferenceBackend(String file) throws Exception {
        Path path = MiniLlamaReferenceTest.shared().resolve("test-models/gguf/" + file);
        assumeTrue(Files.isRegularFile(path), path + " not found");
        try (CudaBackend gpu = Gpu.open(); ReferenceBackend ref = new ReferenceBackend(); GgufFile f = GgufFile.open(path)) {
            for (TensorType kv : new TensorType[] {TensorType.F32, TensorType.F16}) {
                compare(f, gpu, ref, kv, file);
            }
        }
    }

    private static void compare(GgufFile f, CudaBackend gpu, ReferenceBackend ref, TensorType kv, String file) {
        boolean fallback = f.tensorInfos().stream().anyMatch(t -> t.shape().rank() > 1 && !KernelSpec.WEIGHT_SUFFIX.containsKey(t.type()));
        double tol = fallback ? TOL_F16_FALLBACK : TOL;
        int promptLength = 40, steps = 24;
        try (MiniLlama g = new MiniLlama(f, gpu, 128, kv, promptLength); MiniLlama r = new MiniLlama(f, ref, 128, kv, promptLength)) {
            // A prompt long enough for the tiled matmul and prefill attention kernels: the reference's own greedy text.
            int[] prompt = new int[promptLength];
            prompt[0] = 1;
            try (MiniLlama warm = new MiniLlama(f, ref, 128, kv, 1)) {
                int[] ids = MiniLlamaReferenceTest.greedy(warm, ref, 1, promptLength - 1);
                System.arraycopy(ids, 0, prompt, 1, ids.length);
            }
            g.forward(prompt, 0);
            r.forward(prompt, 0);
            for (int row : new int[] {0, 17, promptLength - 1}) {
                Gpu.assertClose(r.logitsRow(row), g.logitsRow(row), tol, file + " kv " + kv + " prefill row " + row);
            }
            int tok = ref.argmax(r.logits(), (long) (promptLength - 1) * r.vocab, r.vocab);
            for (int s = 0; s < steps; s++) {
                int pos = promptLength + s;
                int[] t = {tok};
                int[] p = {pos};
                r.forward(t, pos);
                if (s % 2 == 0) {
                    g.forward(t, pos);
                } else {
                    gpu.captured(() -> g.forward(t, p, p, AttentionMask.CAUSAL));
                }
                float[] want = r.logitsRow(0), got = g.logitsRow(0);
                Gpu.assertClose(want, got, tol, file + " kv " + kv + " decode step " + s + (s % 2 == 1 ? " (graph)" : ""));
                tok = ref.argmax(r.logits(), 0, r.vocab);
            }
        }
    }

    /** Greedy decoding on the GPU reproduces the reference ids from BOS (stories260K, F32). */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf"})
    void greedyFromBosMatchesTheReferenceIds(String file) throws Exception {
        @SuppressWarnings("unchecked")
        int[] expected = MiniLlamaReferenceTest.ints(((Map<String, Object>) MiniLlamaReferenceTest.stories260KReference()
                .get("greedy_from_bos")).get("ids"));
        try (CudaBackend gpu = Gpu.open(); GgufFile f = GgufFile.open(MiniLlamaReferenceTest.shared().resolve("test-models/gguf/" + file));
             MiniLlama m = new MiniLlama(f, gpu, 256, TensorType.F32, 1)) {
            int[] got = MiniLlamaReferenceTest.greedy(m, gpu, 1, expected.length);
            assertArrayEquals(expected, got);
        }
    }
}
