package dev.tessera.kernels.cuda;

import dev.tessera.model.Model;
import dev.tessera.model.Transformer;
import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.nio.file.Path;

/**
 * Runs a real model through the project's {@link Transformer} on two backends in lockstep and
 * compares the logits of every prompt row and of each greedy decode step (the next token is the
 * second backend's argmax, so both sequences stay the same).
 */
final class CpuEquality {
    private CpuEquality() {}

    static void compare(Backend gpu, Backend cpu, Path file, int promptLength, int steps, double tol) {
        try (Model mg = Model.open(file, gpu); Model mc = Model.open(file, cpu)) {
            Transformer tg = mg.transformer(promptLength, promptLength), tc = mc.transformer(promptLength, promptLength);
            int vocab = mc.config().vocabSize();
            try (KvCache cg = tg.newCache(promptLength + steps, TensorType.F16); KvCache cc = tc.newCache(promptLength + steps, TensorType.F16)) {
                int[] prompt = new int[promptLength], pos = new int[promptLength], rows = new int[promptLength];
                for (int i = 0; i < promptLength; i++) {
                    prompt[i] = i == 0 ? 1 : (7 + 31 * i) % vocab;
                    pos[i] = i;
                    rows[i] = i;
                }
                float[] lg = new float[promptLength * vocab], lc = new float[promptLength * vocab];
                tg.forward(cg, prompt, pos, pos, AttentionMask.CAUSAL, rows, lg);
                tc.forward(cc, prompt, pos, pos, AttentionMask.CAUSAL, rows, lc);
                for (int r = 0; r < promptLength; r++) {
                    Gpu.assertClose(java.util.Arrays.copyOfRange(lc, r * vocab, (r + 1) * vocab),
                            java.util.Arrays.copyOfRange(lg, r * vocab, (r + 1) * vocab), tol, file.getFileName() + " prompt row " + r);
                }
                int tok = argmax(lc, (promptLength - 1) * vocab, vocab);
                float[] g1 = new float[vocab], c1 = new float[vocab];
                for (int s = 0; s < steps; s++) {
                    int[] t = {tok}, p = {promptLength + s}, zero = {0};
                    tg.forward(cg, t, p, p, AttentionMask.CAUSAL, zero, g1);
                    tc.forward(cc, t, p, p, AttentionMask.CAUSAL, zero, c1);
                    Gpu.assertClose(c1, g1, tol, file.getFileName() + " decode step " + s);
                    tok = argmax(c1, 0, vocab);
                }
            }
        }
    }

    private static int argmax(float[] x, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[from + i] > x[from + best]) best = i;
        return best;
    }
}
