package dev.tessera.vq;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.glvq.GlvqFormat;
import dev.tessera.quant.glvq.GlvqQuantizer;
import dev.tessera.quant.pvq.PvqFormat;
import dev.tessera.quant.pvq.PvqQuantizer;
import dev.tessera.quant.vq.CalibrationStats;
import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.quant.vq.VqQuantizer;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Quality of GLVQ and PVQ on the trained weights of distill3M (vector-quantization.md Part C),
 * next to llama.cpp's own Q4_K / Q3_K quantizations of the same model (from the shared
 * Q4_K_M / Q3_K_M files): per matrix relative MSE and activation-weighted error
 * {@code E_H = tr(ΔW H ΔWᵀ)/tr(W H Wᵀ)} with {@code H = E[x xᵀ]} from the calibration text
 * (what the quantizers optimize) and from the held-out evaluation text (what generalizes), and the
 * whole-model KL divergence of next-token distributions on held-out text.
 *
 * <p>Calibration and evaluation text are sampled from the F32 model itself (temperature 1, fixed
 * seeds, different for the two), so no tokenizer or corpus is needed; the forward pass is first
 * checked against llama.cpp's greedy continuation. The report goes to stdout and to
 * {@code target/vq-quality.txt}.
 *
 * <p>By default a CI-sized run (16 × 128 calibration tokens, GLVQ capped at 6 alternations);
 * {@code -Dtessera.vq.full=true} uses 32 × 128 tokens and the quantizers' defaults (the numbers
 * quoted in reports).
 */
class VqQualityTest {
    private static final MiniLlama.Config CONFIG = new MiniLlama.Config(256, 768, 4, 8, 4, 512, 1e-5f, 10000f);
    private static final int[] PROMPT = {1, 403, 407, 261, 378};
    private static final int[] GREEDY = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
            410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 262, 415, 271,
            422, 268, 388, 322, 265, 282, 295, 433, 426, 338, 391, 266, 267, 262, 415, 327, 312, 267, 311, 374, 432, 274,
            287, 426, 13, 436};
    private static final String[] LINEAR = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

    /** Largest K with ⌈log2 V(16,K)⌉ ≤ 52. */
    private static final int PVQ_35_PULSES = 33;
    private static final boolean FULL = Boolean.getBoolean("tessera.vq.full");

    private static Path models() {
        String dir = System.getProperty("tessera.shared");
        Path p = dir == null ? null : Path.of(dir, "test-models", "gguf");
        Assumptions.assumeTrue(p != null && Files.isRegularFile(p.resolve("distill3M.gguf")),
                "distill3M.gguf not found under tessera.shared=" + dir + "; skipping VQ quality measurement");
        return p;
    }

    private static Map<String, float[]> load(Path file, Map<String, TensorType> types) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (GgufFile f = GgufFile.open(file)) {
            for (GgufTensorInfo info : f.tensorInfos()) {
                out.put(info.name(), Dequantizer.dequantize(f.tensor(info.name())));
                if (types != null) types.put(info.name(), info.type());
            }
        }
        return out;
    }

    private static List<int[]> sample(MiniLlama m, int sequences, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            int[] seq = new int[length];
            seq[0] = 1;
            for (int t = 0; t < length - 1; t++) {
                double[] p = softmax(m.step(seq[t], t));
                double u = r.nextDouble(), acc = 0;
                int next = p.length - 1;
                for (int v = 0; v < p.length; v++) {
                    acc += p[v];
                    if (u < acc) { next = v; break; }
                }
                seq[t + 1] = next;
            }
            m.step(seq[length - 1], length - 1); // record the last position's activations too
            out.add(seq);
        }
        return out;
    }

    private static double[] softmax(float[] z) {
        double[] l = logSoftmax(z);
        for (int i = 0; i < l.length; i++) l[i] = Math.exp(l[i]);
        return l;
    }

    private static double[] logSoftmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) max = Math.max(max, v);
        double s = 0;
        for (float v : z) s += Math.exp(v - max);
        double lse = max + Math.log(s);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) out[i] = z[i] - lse;
        return out;
    }

    private static int argmax(float[] z) {
        int b = 0;
        for (int i = 1; i < z.length; i++) if (z[i] > z[b]) b = i;
        return b;
    }

    /** [mean KL, top-1 agreement] of {@code weights} against reference log-probs over the eval text. */
    private static double[] kl(Map<String, float[]> weights, List<int[]> text, List<double[][]> refLogp) {
        double sum = 0;
        long n = 0, agree = 0;
        for (int s = 0; s < text.size(); s++) {
            MiniLlama m = new MiniLlama(CONFIG, weights, text.get(s).length);
            for (int t = 0; t < text.get(s).length; t++) {
                float[] z = m.step(text.get(s)[t], t);
                double[] q = logSoftmax(z);
                double[] p = refLogp.get(s)[t];
                double k = 0;
                int pa = 0, qa = argmax(z);
                for (int v = 0; v < p.length; v++) {
                    k += Math.exp(p[v]) * (p[v] - q[v]);
                    if (p[v] > p[pa]) pa = v;
                }
                sum += k;
                n++;
                if (pa == qa) agree++;
            }
        }
        return new double[] {sum / n, (double) agree / n};
    }

    /** [relative MSE, E_H with h, E_H with h2]; H is applied with the forward pass's vectorized matVec. */
    private static double[] errors(float[] w, float[] q, int rows, int cols, float[] h, float[] h2) {
        double[] a = errors(w, q, rows, cols, h), b = errors(w, q, rows, cols, h2);
        return new double[] {a[0], a[1], b[1]};
    }

    /** [relative MSE, E_H]. */
    private static double[] errors(float[] w, float[] q, int rows, int cols, float[] h) {
        double e = 0, s = 0, eh = 0, sh = 0;
        float[] d = new float[cols], wr = new float[cols], hd = new float[cols], hw = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                wr[c] = w[r * cols + c];
                d[c] = wr[c] - q[r * cols + c];
                e += (double) d[c] * d[c];
                s += (double) wr[c] * wr[c];
            }
            MiniLlama.matVec(h, d, hd, cols, cols);
            MiniLlama.matVec(h, wr, hw, cols, cols);
            for (int i = 0; i < cols; i++) {
                eh += (double) d[i] * hd[i];
                sh += (double) wr[i] * hw[i];
            }
        }
        return new double[] {e / s, eh / sh};
    }

    /** A quantizer at a nominal rate; {@code pulses > 0} overrides PVQ's K (for fractional rates). */
    private record Variant(String name, VqQuantizer quantizer, int bits, int pulses) {
        EncodedTensor quantize(float[] w, int rows, int cols, CalibrationStats stats) {
            return pulses > 0 ? ((PvqQuantizer) quantizer).quantizeWithPulses(w, rows, cols, stats, pulses)
                    : quantizer.quantize(w, rows, cols, stats, bits);
        }
    }

    @Test
    void glvqAndPvqOnDistill3M() throws IOException {
        Path dir = models();
        Map<String, float[]> f32 = load(dir.resolve("distill3M.gguf"), null);
        Map<String, TensorType> q4Types = new LinkedHashMap<>(), q3Types = new LinkedHashMap<>();
        Map<String, float[]> q4km = load(dir.resolve("distill3M-Q4_K_M.gguf"), q4Types);
        Map<String, float[]> q3km = load(dir.resolve("distill3M-Q3_K_M.gguf"), q3Types);

        // 1. The forward pass reproduces llama.cpp's greedy continuation.
        MiniLlama ref = new MiniLlama(CONFIG, f32, 128);
        int[] seq = new int[PROMPT.length + GREEDY.length];
        System.arraycopy(PROMPT, 0, seq, 0, PROMPT.length);
        for (int t = 0; t < seq.length - 1; t++) {
            float[] z = ref.step(seq[t], t);
            if (t >= PROMPT.length - 1) seq[t + 1] = argmax(z);
        }
        int[] generated = java.util.Arrays.copyOfRange(seq, PROMPT.length, seq.length);
        assertArrayEquals(GREEDY, generated, "MiniLlama greedy continuation differs from llama.cpp's");

        // 2. Calibration statistics (16 or 32 × 128 sampled tokens) and held-out evaluation text (4 × 128).
        MiniLlama calib = new MiniLlama(CONFIG, f32, 128);
        calib.recorder = new LinkedHashMap<>();
        Map<String, double[]> grams = new LinkedHashMap<>();
        for (int s = 0; s < (FULL ? 32 : 16); s++) {
            MiniLlama one = new MiniLlama(CONFIG, f32, 128);
            one.recorder = calib.recorder;
            sample(one, 1, 128, 1000 + s);
        }
        calib.recorder.forEach((k, g) -> grams.put(k, g.mean()));
        List<int[]> text = new ArrayList<>();
        List<double[][]> refLogp = new ArrayList<>();
        Map<String, MiniLlama.Gram> evalRecorder = new LinkedHashMap<>();
        for (int s = 0; s < 4; s++) {
            MiniLlama gen = new MiniLlama(CONFIG, f32, 128);
            int[] t = sample(gen, 1, 128, 2000 + s).get(0);
            text.add(t);
            MiniLlama score = new MiniLlama(CONFIG, f32, 128);
            score.recorder = evalRecorder;
            double[][] lp = new double[t.length][];
            for (int i = 0; i < t.length; i++) lp[i] = logSoftmax(score.step(t[i], i));
            refLogp.add(lp);
        }
        Map<String, float[]> evalGrams = new LinkedHashMap<>();
        evalRecorder.forEach((k, g) -> {
            double[] m = g.mean();
            float[] f = new float[m.length];
            for (int i = 0; i < m.length; i++) f[i] = (float) m[i];
            evalGrams.put(k, f);
        });

        // 3. Quantize every linear matrix.
        GlvqQuantizer glvq = FULL ? GlvqQuantizer.defaults() : new GlvqQuantizer(8, 128, 6, true);
        List<Variant> variants = List.of(
                new Variant("GLVQ-3", glvq, 3, 0),
                new Variant("GLVQ-4", glvq, 4, 0),
                new Variant("PVQ-3", PvqQuantizer.defaults(), 3, 0),
                // 52-bit index + 4-bit gain = 3.5 nominal bits per weight (≈3.7 with ρ and padding at n = 256)
                new Variant("PVQ-3.5", PvqQuantizer.defaults(), 4, PVQ_35_PULSES),
                new Variant("PVQ-4", PvqQuantizer.defaults(), 4, 0));
        Map<String, Map<String, float[]>> models = new LinkedHashMap<>();
        Map<String, double[]> bitsTotal = new LinkedHashMap<>(); // [bits, weights]
        for (Variant v : variants) {
            Map<String, float[]> m = new LinkedHashMap<>(f32);
            m.put("token_embd.weight", q4km.get("token_embd.weight")); // same Q6_K output/embedding as Q4_K_M
            models.put(v.name(), m);
            bitsTotal.put(v.name(), new double[2]);
        }
        StringBuilder report = new StringBuilder();
        Map<String, Double> seconds = new LinkedHashMap<>();
        report.append(String.format("%-24s %5s %-8s %9s %9s %9s %7s%n", "matrix", "rows", "format", "relMSE", "E_H cal", "E_H eval", "bpw"));
        double[][] sums = new double[variants.size() + 2][2]; // Σ E_H over matrices where Q4_K / Q3_K both exist
        for (int l = 0; l < CONFIG.layers(); l++) {
            for (String lin : LINEAR) {
                String name = "blk." + l + "." + lin + ".weight";
                float[] w = f32.get(name);
                double[] h = grams.get(MiniLlama.inputOf(name));
                int cols = (int) Math.round(Math.sqrt(h.length));
                int rows = w.length / cols;
                CalibrationStats stats = CalibrationStats.ofGram(cols, h);
                float[] hf = new float[h.length];
                for (int i = 0; i < h.length; i++) hf[i] = (float) h[i];
                float[] he = evalGrams.get(MiniLlama.inputOf(name));
                for (String[] ref2 : new String[][] {{"Q4_K", "4"}, {"Q3_K", "3"}}) {
                    Map<String, TensorType> types = ref2[0].equals("Q4_K") ? q4Types : q3Types;
                    Map<String, float[]> vals = ref2[0].equals("Q4_K") ? q4km : q3km;
                    TensorType tt = types.get(name);
                    double[] e = errors(w, vals.get(name), rows, cols, hf, he);
                    report.append(String.format("%-24s %5d %-8s %9.5f %9.5f %9.5f %7.3f%n", name, rows, "ll:" + tt, e[0], e[1], e[2], tt.bitsPerWeight()));
                }
                for (Variant v : variants) {
                    long t0 = System.nanoTime();
                    EncodedTensor t = v.quantize(w, rows, cols, stats);
                    seconds.merge(v.name(), (System.nanoTime() - t0) / 1e9, Double::sum);
                    float[] q = v.quantizer().dequantize(t);
                    long header = t.type() == TensorType.GLVQ ? GlvqFormat.of(t).headerBits() : PvqFormat.of(t).headerBits();
                    double bpw = t.bitsPerWeight(header);
                    double[] e = errors(w, q, rows, cols, hf, he);
                    report.append(String.format("%-24s %5d %-8s %9.5f %9.5f %9.5f %7.3f%n", name, rows, v.name(), e[0], e[1], e[2], bpw));
                    models.get(v.name()).put(name, q);
                    bitsTotal.get(v.name())[0] += bpw * w.length;
                    bitsTotal.get(v.name())[1] += w.length;
                    assertTrue(e[1] < (v.bits() == 3 ? 0.05 : 0.02), name + " " + v.name() + ": E_H " + e[1]);
                }
            }
        }

        // 4. Whole-model KL against F32 on the held-out text.
        report.append(String.format("%nwhole model, 4 × 128 held-out sampled tokens, %s run (token_embd/output: Q6_K in all rows)%n",
                FULL ? "full" : "CI-sized"));
        report.append(String.format("%-10s %10s %9s %14s %12s%n", "model", "mean KL", "top-1", "linear bpw", "quantize s"));
        for (String file : new String[] {"Q4_K_M", "Q3_K_M"}) {
            Map<String, float[]> m = file.equals("Q4_K_M") ? q4km : q3km;
            Map<String, TensorType> types = file.equals("Q4_K_M") ? q4Types : q3Types;
            double bits = 0, count = 0;
            for (int l = 0; l < CONFIG.layers(); l++) for (String lin : LINEAR) {
                String name = "blk." + l + "." + lin + ".weight";
                bits += types.get(name).bitsPerWeight() * m.get(name).length;
                count += m.get(name).length;
            }
            double[] k = kl(m, text, refLogp);
            report.append(String.format("%-10s %10.5f %9.4f %14.3f %12s%n", "ll:" + file, k[0], k[1], bits / count, "-"));
        }
        for (Variant v : variants) {
            double[] k = kl(models.get(v.name()), text, refLogp);
            double[] b = bitsTotal.get(v.name());
            report.append(String.format("%-10s %10.5f %9.4f %14.3f %12.1f%n", v.name(), k[0], k[1], b[0] / b[1], seconds.get(v.name())));
            assertTrue(k[0] < 0.05, v.name() + " mean KL " + k[0]);
        }
        System.out.print(report);
        Path out = Path.of("target", "vq-quality.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }
}
