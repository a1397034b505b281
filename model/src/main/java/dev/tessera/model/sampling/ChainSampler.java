package dev.tessera.model.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * llama.cpp's sampler chain: logit bias, repetition/frequency/presence penalties, then (unless
 * greedy) top-k, typical-p, top-p, min-p on the softmax of the penalised logits, temperature, and
 * a draw from a seeded generator. Work arrays are allocated once per vocabulary size.
 */
public final class ChainSampler implements Sampler {
    private final SamplingParams p;
    private final SplittableRandom rng;
    private final TokenWindow history;
    // candidates: keys sort by descending logit and carry the token id
    private long[] keys = new long[0];
    private float[] probs = new float[0];
    private int[] counts = new int[0];
    private float[] row = new float[0];

    public ChainSampler(SamplingParams params) {
        this.p = params;
        this.rng = new SplittableRandom(params.seed());
        this.history = new TokenWindow(params.repeatLastN() < 0 ? 1 << 20 : Math.max(params.repeatLastN(), 1));
    }

    @Override
    public void accept(int token) { history.add(token); }

    @Override
    public void reset() { history.clear(); }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        for (int i = 0; i < p.logitBiasIds().length; i++) {
            int id = p.logitBiasIds()[i];
            if (id >= 0 && id < n) logits[id] += p.logitBiasValues()[i];
        }
        if (p.hasPenalties() && p.repeatLastN() != 0) penalize(logits);
        if (p.isGreedy()) return Softmax.argmax(logits, n);
        if (keys.length < n) {
            keys = new long[n];
            probs = new float[n];
        }
        int m = candidates(logits, n);
        m = typical(logits, m);
        m = topP(logits, m);
        m = minP(logits, m);
        // temperature, then a draw from the renormalised distribution
        softmax(logits, m, p.temperature());
        double coin = rng.nextDouble();
        double cdf = 0;
        for (int i = 0; i < m; i++) {
            cdf += probs[i];
            if (coin < cdf) return Softmax.indexOf(keys[i]);
        }
        return Softmax.indexOf(keys[m - 1]);
    }

    /**
     * Writes to {@code out} the distribution {@link #sample} would draw from for the row of logits at
     * {@code logits[offset, offset + out.length)} after {@code context[0, length)} (whose last
     * repeat-last-n tokens drive the penalties instead of the recorded history); greedy settings
     * give a point mass on the argmax. Speculative sampling is lossless with respect to exactly this.
     */
    public void probabilities(float[] logits, int offset, int[] context, int length, double[] out) {
        int n = out.length;
        if (row.length < n) row = new float[n];
        System.arraycopy(logits, offset, row, 0, n);
        for (int i = 0; i < p.logitBiasIds().length; i++) {
            int id = p.logitBiasIds()[i];
            if (id >= 0 && id < n) row[id] += p.logitBiasValues()[i];
        }
        if (p.hasPenalties() && p.repeatLastN() != 0) {
            int window = p.repeatLastN() < 0 ? length : Math.min(length, p.repeatLastN());
            int from = length - window;
            penalize(row, window, i -> context[from + i]);
        }
        java.util.Arrays.fill(out, 0);
        if (p.isGreedy()) {
            out[Softmax.argmax(row, n)] = 1;
            return;
        }
        if (keys.length < n) {
            keys = new long[n];
            probs = new float[n];
        }
        int m = candidates(row, n);
        m = typical(row, m);
        m = topP(row, m);
        m = minP(row, m);
        softmax(row, m, p.temperature());
        for (int i = 0; i < m; i++) out[Softmax.indexOf(keys[i])] = probs[i];
    }

    /** Subtracts llama.cpp's penalties for tokens seen in the window. */
    private void penalize(float[] logits) {
        penalize(logits, history.size(), history::get);
    }

    private void penalize(float[] logits, int size, java.util.function.IntUnaryOperator tokenAt) {
        if (counts.length < logits.length) counts = new int[logits.length];
        for (int i = 0; i < size; i++) {
            int t = tokenAt.applyAsInt(i);
            if (t >= 0 && t < logits.length) counts[t]++;
        }
        for (int i = 0; i < size; i++) {
            int t = tokenAt.applyAsInt(i);
            if (t < 0 || t >= logits.length || counts[t] == 0) continue;
            float l = logits[t];
            l = l <= 0 ? l * p.repeatPenalty() : l / p.repeatPenalty();
            l -= counts[t] * p.frequencyPenalty() + p.presencePenalty();
            logits[t] = l;
            counts[t] = 0; // each distinct token once
        }
    }

    /** Candidate tokens sorted by descending logit, cut to top-k. Returns the count. */
    private int candidates(float[] logits, int n) {
        int k = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        if (k == n) {
            for (int i = 0; i < n; i++) keys[i] = Softmax.descendingKey(logits[i], i);
            Arrays.sort(keys, 0, n);
            return n;
        }
        // the k best keys (smallest) kept in a max-heap of size k
        int size = 0;
        for (int i = 0; i < n; i++) {
            long key = Softmax.descendingKey(logits[i], i);
            if (size < k) {
                keys[size] = key;
                siftUp(size++);
            } else if (key < keys[0]) {
                keys[0] = key;
                siftDown(k);
            }
        }
        Arrays.sort(keys, 0, k);
        return k;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (keys[parent] >= keys[i]) return;
            long t = keys[parent]; keys[parent] = keys[i]; keys[i] = t;
            i = parent;
        }
    }

    private void siftDown(int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, big = i;
            if (l < size && keys[l] > keys[big]) big = l;
            if (r < size && keys[r] > keys[big]) big = r;
            if (big == i) return;
            long t = keys[big]; keys[big] = keys[i]; keys[i] = t;
            i = big;
        }
    }

    /** probs[i] = softmax over the first m candidates of logit / temp. */
    private void softmax(float[] logits, int m, float temp) {
        double max = logits[Softmax.indexOf(keys[0])] / temp;
        double sum = 0;
        for (int i = 0; i < m; i++) {
            double e = Math.exp(logits[Softmax.indexOf(keys[i])] / temp - max);
            probs[i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < m; i++) probs[i] = (float) (probs[i] / sum);
    }

    /** Locally typical sampling: keep the tokens whose surprise is closest to the entropy, up to mass typical-p. */
    private int typical(float[] logits, int m) {
        if (p.typicalP() >= 1f || m <= 1) return m;
        softmax(logits, m, 1f);
        double entropy = 0;
        for (int i = 0; i < m; i++) if (probs[i] > 0) entropy -= probs[i] * Math.log(probs[i]);
        long[] byShift = new long[m];
        for (int i = 0; i < m; i++) {
            float shift = (float) Math.abs(-Math.log(probs[i]) - entropy);
            byShift[i] = Softmax.descendingKey(-shift, i); // ascending shift
        }
        Arrays.sort(byShift);
        double cum = 0;
        int keep = m;
        for (int i = 0; i < m; i++) {
            cum += probs[Softmax.indexOf(byShift[i])];
            if (cum >= p.typicalP()) {
                keep = i + 1;
                break;
            }
        }
        long[] chosen = new long[keep];
        for (int i = 0; i < keep; i++) chosen[i] = keys[Softmax.indexOf(byShift[i])];
        // back to descending-logit order for the later steps
        for (int i = 0; i < keep; i++) chosen[i] = Softmax.descendingKey(logits[Softmax.indexOf(chosen[i])], Softmax.indexOf(chosen[i]));
        Arrays.sort(chosen);
        System.arraycopy(chosen, 0, keys, 0, keep);
        return keep;
    }

    /** Nucleus: the smallest prefix whose probability reaches top-p. */
    private int topP(float[] logits, int m) {
        if (p.topP() >= 1f || m <= 1) return m;
        softmax(logits, m, 1f);
        double cum = 0;
        for (int i = 0; i < m; i++) {
            cum += probs[i];
            if (cum >= p.topP()) return i + 1;
        }
        return m;
    }

    /** Keep tokens with probability at least min-p times the most likely one's. */
    private int minP(float[] logits, int m) {
        if (p.minP() <= 0f || m <= 1) return m;
        float threshold = (float) (logits[Softmax.indexOf(keys[0])] + Math.log(p.minP()));
        int keep = 1;
        while (keep < m && logits[Softmax.indexOf(keys[keep])] >= threshold) keep++;
        return keep;
    }
}
