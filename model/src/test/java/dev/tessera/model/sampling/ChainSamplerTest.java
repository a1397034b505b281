package dev.tessera.model.sampling;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ChainSamplerTest {
    private static SamplingParams params(float temp, int topK, float topP, float minP) {
        return new SamplingParams(temp, topK, topP, minP, 1f, 1f, 64, 0f, 0f, new int[0], new float[0], 7);
    }

    @Test
    void greedyPicksTheLargestLogit() {
        ChainSampler s = new ChainSampler(SamplingParams.greedy());
        assertEquals(2, s.sample(new float[] {0.1f, -3f, 5f, 4.9f}));
    }

    @Test
    void sameSeedSameTokens() {
        float[] base = {1f, 2f, 0.5f, 1.5f, -1f, 0.2f};
        ChainSampler a = new ChainSampler(params(1f, 0, 1f, 0f));
        ChainSampler b = new ChainSampler(params(1f, 0, 1f, 0f));
        for (int i = 0; i < 200; i++) assertEquals(a.sample(base.clone()), b.sample(base.clone()));
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        ChainSampler s = new ChainSampler(params(1f, 0, 1f, 0f));
        int[] hits = new int[4];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) hits[s.sample(logits.clone())]++;
        for (int t = 0; t < 4; t++) {
            double expected = (t + 1) / 10.0;
            assertEquals(expected, hits[t] / (double) draws, 0.01, "token " + t);
        }
    }

    @Test
    void temperatureSharpens() {
        float[] logits = {0f, 1f};
        ChainSampler s = new ChainSampler(params(0.25f, 0, 1f, 0f));
        int ones = 0, draws = 20_000;
        for (int i = 0; i < draws; i++) ones += s.sample(logits.clone());
        double expected = 1 / (1 + Math.exp(-4)); // softmax of {0, 4}
        assertEquals(expected, ones / (double) draws, 0.01);
    }

    @Test
    void topKAndTopPAndMinPTruncate() {
        float[] logits = {3f, 2.9f, 2.8f, -5f, -6f};
        ChainSampler k = new ChainSampler(params(1f, 2, 1f, 0f));
        ChainSampler pNucleus = new ChainSampler(params(1f, 0, 0.3f, 0f));
        ChainSampler min = new ChainSampler(params(1f, 0, 1f, 0.5f));
        for (int i = 0; i < 2000; i++) {
            assertTrue(k.sample(logits.clone()) <= 1);
            assertEquals(0, pNucleus.sample(logits.clone()), "the top token alone holds > 30%");
            assertTrue(min.sample(logits.clone()) <= 2, "tokens below half the top probability are cut");
        }
    }

    @Test
    void repetitionPenaltyFollowsLlamaCpp() {
        SamplingParams p = new SamplingParams(0f, 0, 1f, 0f, 1f, 2f, 64, 0.5f, 0.25f, new int[0], new float[0], 1);
        ChainSampler s = new ChainSampler(p);
        s.accept(0);
        s.accept(1);
        s.accept(1);
        float[] logits = {4f, -1f, 3f};
        s.sample(logits);
        assertEquals(4f / 2 - 0.5f - 0.25f, logits[0], 1e-6);
        assertEquals(-1f * 2 - 2 * 0.5f - 0.25f, logits[1], 1e-6);
        assertEquals(3f, logits[2]);
    }

    @Test
    void logitBiasCanBanATokenAndWindowForgets() {
        SamplingParams p = new SamplingParams(0f, 0, 1f, 0f, 1f, 1f, 64, 0f, 0f,
                new int[] {2}, new float[] {Float.NEGATIVE_INFINITY}, 1);
        assertEquals(1, new ChainSampler(p).sample(new float[] {0f, 1f, 9f}));
        SamplingParams window = new SamplingParams(0f, 0, 1f, 0f, 1f, 10f, 2, 0f, 0f, new int[0], new float[0], 1);
        ChainSampler s = new ChainSampler(window);
        s.accept(0);
        s.accept(1);
        s.accept(1);
        assertEquals(0, s.sample(new float[] {5f, 4f}), "token 0 fell out of the 2-token window");
    }

    @Test
    void typicalKeepsTokensNearTheEntropy() {
        // p = {0.425, 10 x 0.0575}: entropy 2.0 nats; token 0's surprise (0.86) is further from it
        // than the others' (2.86), so with mass 0.5 only small tokens stay, though token 0 is the likeliest
        float[] logits = new float[11];
        logits[0] = 2f;
        SamplingParams p = new SamplingParams(1f, 0, 1f, 0f, 0.5f, 1f, 64, 0f, 0f, new int[0], new float[0], 3);
        ChainSampler s = new ChainSampler(p);
        for (int i = 0; i < 500; i++) assertNotEquals(0, s.sample(logits.clone()));
    }
}
