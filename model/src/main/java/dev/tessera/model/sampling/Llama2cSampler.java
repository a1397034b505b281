package dev.tessera.model.sampling;

import java.util.Arrays;

/**
 * The sampler of llama2.c {@code run.c}, step for step, so its outputs can be reproduced from the
 * same seed: divide by the temperature, softmax, one coin from {@link XorShiftRng}, then either
 * inverse-CDF sampling over the whole vocabulary or nucleus (top-p) sampling over the tokens above
 * the cutoff {@code (1 - p) / (n - 1)}. Temperature 0 is argmax.
 */
public final class Llama2cSampler implements Sampler {
    private final float temperature;
    private final float topP;
    private final XorShiftRng rng;
    private long[] order = new long[0];

    public Llama2cSampler(float temperature, float topP, long seed) {
        this.temperature = temperature;
        this.topP = topP;
        this.rng = new XorShiftRng(seed);
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        if (temperature == 0f) return Softmax.argmax(logits, n);
        for (int i = 0; i < n; i++) logits[i] /= temperature;
        softmax(logits);
        float coin = rng.nextFloat();
        return topP <= 0 || topP >= 1 ? sampleMult(logits, coin) : sampleTopP(logits, coin);
    }

    /** run.c's softmax: float accumulation in index order. */
    private static void softmax(float[] x) {
        float max = x[0];
        for (int i = 1; i < x.length; i++) if (x[i] > max) max = x[i];
        float sum = 0f;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.length; i++) x[i] /= sum;
    }

    private static int sampleMult(float[] p, float coin) {
        float cdf = 0f;
        for (int i = 0; i < p.length; i++) {
            cdf += p[i];
            if (coin < cdf) return i;
        }
        return p.length - 1;
    }

    private int sampleTopP(float[] p, float coin) {
        int n = p.length;
        float cutoff = (1.0f - topP) / (n - 1);
        if (order.length < n) order = new long[n];
        int m = 0;
        for (int i = 0; i < n; i++) if (p[i] >= cutoff) order[m++] = Softmax.descendingKey(p[i], i);
        Arrays.sort(order, 0, m);
        float cumulative = 0f;
        int last = m - 1;
        for (int i = 0; i < m; i++) {
            cumulative += p[Softmax.indexOf(order[i])];
            if (cumulative > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++) {
            cdf += p[Softmax.indexOf(order[i])];
            if (r < cdf) return Softmax.indexOf(order[i]);
        }
        return Softmax.indexOf(order[last]);
    }
}
