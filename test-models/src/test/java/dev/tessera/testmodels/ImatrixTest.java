package dev.tessera.testmodels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.quantize.Calibration;
import dev.tessera.model.quantize.Imatrix;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.quant.Dequantizer;
import dev.tessera.quant.Quantizer;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Importance matrix collection on distill3M over one window of the evaluation text: the layer-0
 * statistics against a direct computation from the weights, the shared inputs of Q/K/V and
 * gate/up, the two llama.cpp file formats, and the point of it all (importance-weighted
 * quantization error goes down).
 */
class ImatrixTest {
    @TempDir
    static Path tmp;
    static Path model;
    static String text;
    static Imatrix imatrix;

    @BeforeAll
    static void collect() throws Exception {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null, "system property tessera.shared is not set: skipping test that needs shared data");
        model = Path.of(root, "test-models/gguf/distill3M.gguf");
        assumeTrue(Files.exists(model), model + " is absent: skipping");
        try (InputStream in = EmbeddedModel.class.getResourceAsStream("stories-eval.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        imatrix = Calibration.collect(model, text, 256, m -> { });
    }

    @Test
    void layerZeroMatchesADirectComputation() {
        try (GgufFile f = GgufFile.open(model)) {
            Tokenizer tok = Tokenizers.fromGguf(f.metadata());
            int[] ids = Arrays.copyOf(tok.encode(text, false, false), 256);
            ids[0] = tok.bos();
            float[] emb = Dequantizer.dequantize(f.tensor("token_embd.weight"));
            float[] gain = Dequantizer.dequantize(f.tensor("blk.0.attn_norm.weight"));
            int d = gain.length;
            double[] want = new double[d];
            for (int id : ids) {
                double ss = 0;
                for (int c = 0; c < d; c++) ss += (double) emb[id * d + c] * emb[id * d + c];
                double inv = 1 / Math.sqrt(ss / d + 1e-5);
                for (int c = 0; c < d; c++) {
                    double x = emb[id * d + c] * inv * gain[c];
                    want[c] += x * x / ids.length;
                }
            }
            float[] got = imatrix.get("blk.0.attn_q.weight");
            assertEquals(d, got.length);
            for (int c = 0; c < d; c++) assertEquals(want[c], got[c], 1e-4 * want[c] + 1e-7, "column " + c);
        }
    }

    @Test
    void matricesSharingAnInputShareStatistics() {
        assertEquals(1, imatrix.chunks());
        for (int l = 0; l < 4; l++) {
            String p = "blk." + l + ".";
            assertArrayEquals(imatrix.get(p + "attn_q.weight"), imatrix.get(p + "attn_k.weight"));
            assertArrayEquals(imatrix.get(p + "attn_q.weight"), imatrix.get(p + "attn_v.weight"));
            assertArrayEquals(imatrix.get(p + "ffn_gate.weight"), imatrix.get(p + "ffn_up.weight"));
            assertEquals(768, imatrix.get(p + "ffn_down.weight").length);
            assertEquals(256, imatrix.get(p + "attn_output.weight").length);
        }
    }

    @Test
    void bothFileFormatsRoundTrip() throws Exception {
        for (String name : new String[] {"m.dat", "m.gguf"}) {
            Path p = tmp.resolve(name);
            imatrix.save(p);
            Imatrix back = Imatrix.load(p);
            assertEquals(imatrix.values().keySet(), back.values().keySet(), name);
            for (String k : imatrix.values().keySet()) {
                float[] a = imatrix.get(k), b = back.get(k);
                for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6f * a[i], name + " " + k);
            }
        }
    }

    @Test
    void importanceLowersTheWeightedError() {
        int better = 0, total = 0;
        try (GgufFile f = GgufFile.open(model)) {
            for (String k : imatrix.values().keySet()) {
                if (!k.startsWith("blk.")) continue;
                Tensor t = f.tensor(k);
                float[] w = Dequantizer.dequantize(t);
                float[] imp = imatrix.get(k);
                for (TensorType type : new TensorType[] {TensorType.Q4_K, TensorType.Q3_K}) {
                    double plain = weightedError(type, w, (int) t.cols(), imp, null);
                    double weighted = weightedError(type, w, (int) t.cols(), imp, imp);
                    total++;
                    if (weighted < plain) better++;
                }
            }
        }
        assertTrue(better >= total * 0.9, better + " of " + total + " matrices improved");
    }

    private static double weightedError(TensorType type, float[] w, int cols, float[] imp, float[] importance) {
        MemorySegment q = Quantizer.quantize(type, w, cols, importance);
        float[] back = new float[w.length];
        Dequantizer.dequantizeRow(type, q, 0, back, 0, w.length);
        double e = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - back[i];
            e += imp[i % cols] * d * d;
        }
        return e;
    }
}
