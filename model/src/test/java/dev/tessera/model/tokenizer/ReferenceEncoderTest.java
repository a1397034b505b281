package dev.tessera.model.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The heap-based encoders against plain quadratic references written from the algorithm
 * descriptions (scan every adjacent pair, merge the best, repeat), on random text.
 */
class ReferenceEncoderTest {
    /** Random strings over the characters of llama.cpp's test inputs, so merges and fallbacks both occur. */
    static List<String> randomTexts(int count, long seed) {
        String alphabet = String.join("", RoundTripTest.samples());
        int[] cps = alphabet.codePoints().toArray();
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(40);
            // Mostly copy runs of the source (real words), sometimes single random characters.
            while (sb.codePointCount(0, sb.length()) < len) {
                if (r.nextInt(4) == 0) sb.appendCodePoint(cps[r.nextInt(cps.length)]);
                else {
                    int s = r.nextInt(cps.length - 8);
                    sb.append(new String(cps, s, 1 + r.nextInt(8)));
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** llama.cpp/SentencePiece score merging, quadratic: best score wins, leftmost on ties. */
    static List<Integer> referenceSpm(String escaped, Map<String, Integer> ids, float[] scores, int unk) {
        List<String> syms = new ArrayList<>();
        escaped.codePoints().forEach(cp -> syms.add(Character.toString(cp)));
        while (true) {
            int best = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int i = 0; i + 1 < syms.size(); i++) {
                Integer id = ids.get(syms.get(i) + syms.get(i + 1));
                if (id != null && (best < 0 || scores[id] > bestScore)) {
                    best = i;
                    bestScore = scores[id];
                }
            }
            if (best < 0) break;
            syms.set(best, syms.get(best) + syms.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String s : syms) {
            Integer id = ids.get(s);
            if (id != null) out.add(id);
            else for (byte b : s.getBytes(StandardCharsets.UTF_8)) out.add(ids.getOrDefault(String.format("<0x%02X>", b & 0xFF), unk));
        }
        return out;
    }

    /** GPT-2 BPE, quadratic: lowest merge rank wins, leftmost on ties. */
    static List<Integer> referenceBpe(String word, Map<String, Integer> ids, Map<String, Integer> ranks) {
        List<String> syms = new ArrayList<>();
        for (char c : ByteLevel.encode(word).toCharArray()) syms.add(String.valueOf(c));
        while (true) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < syms.size(); i++) {
                Integer rank = ranks.get(syms.get(i) + " " + syms.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) break;
            syms.set(best, syms.get(best) + syms.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String s : syms) out.add(ids.get(s));
        return out;
    }

    static Map<String, Integer> idMap(List<String> tokens) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) m.put(tokens.get(i), i);
        return m;
    }

    @Test
    void spmEncoderMatchesReference() {
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/vocab/ggml-vocab-llama-spm.gguf"))) {
            Metadata md = f.metadata();
            Tokenizer t = Tokenizers.fromGguf(md);
            Map<String, Integer> ids = idMap(md.strings("tokenizer.ggml.tokens").orElseThrow());
            float[] scores = md.floats("tokenizer.ggml.scores").orElseThrow();
            for (String x : randomTexts(300, 1)) {
                List<Integer> want = referenceSpm((" " + x).replace(' ', '\u2581'), ids, scores, 0);
                assertEquals(want, boxed(t.encode(x, false, false)), x);
            }
        }
    }

    @Test
    void bpeEncoderMatchesReference() {
        try (GgufFile f = GgufFile.open(SharedData.require("test-models/vocab/ggml-vocab-gpt-2.gguf"))) {
            Metadata md = f.metadata();
            Tokenizer t = Tokenizers.fromGguf(md);
            Map<String, Integer> ids = idMap(md.strings("tokenizer.ggml.tokens").orElseThrow());
            Map<String, Integer> ranks = new HashMap<>();
            List<String> merges = md.strings("tokenizer.ggml.merges").orElseThrow();
            for (int i = 0; i < merges.size(); i++) ranks.putIfAbsent(merges.get(i), i);
            for (String x : randomTexts(300, 2)) {
                List<Integer> want = new ArrayList<>();
                for (String w : PreTokenizer.GPT2.split(x)) want.addAll(referenceBpe(w, ids, ranks));
                assertEquals(want, boxed(t.encode(x, false, false)), x);
            }
        }
    }

    static List<Integer> boxed(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) l.add(v);
        return l;
    }
}
