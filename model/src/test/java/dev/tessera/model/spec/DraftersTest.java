package dev.tessera.model.spec;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class DraftersTest {
    @Test
    void ngramProposesWhatFollowedTheLongestEarlierSuffix() {
        NgramDrafter d = new NgramDrafter(1, 4);
        //            0  1  2  3  4  5  6  7
        int[] ctx = {5, 1, 2, 3, 9, 1, 2, 0};
        // Pending token 2 with suffix "1 2" seen at 1..2: propose what followed, "3 9 1 2".
        DraftTree t = d.propose(ctx, 7, 8);
        assertArrayEquals(new int[] {2, 3, 9, 1, 2}, t.tokens());
        assertTrue(t.isChain());
        assertEquals(2, d.propose(ctx, 7, 2).drafts(), "draft length is capped");
    }

    @Test
    void ngramPrefersTheLongestMatchAndHandlesNoMatch() {
        NgramDrafter d = new NgramDrafter(1, 3);
        int[] ctx = {7, 8, 4, 1, 8, 6, 7, 8};
        // Suffix "7 8" occurred at 0..1 (followed by 4); "8" alone last occurred at 4 (followed by 6).
        assertArrayEquals(new int[] {8, 4, 1, 8, 6, 7}, d.propose(ctx, 8, 5).tokens());
        NgramDrafter fresh = new NgramDrafter(2, 3);
        assertEquals(0, fresh.propose(new int[] {1, 2, 3}, 3, 5).drafts());
    }

    @Test
    void ngramStartsOverWhenTheContextIsRewound() {
        NgramDrafter d = new NgramDrafter(1, 2);
        d.propose(new int[] {1, 2, 3, 1}, 4, 4);
        // A new, shorter context: the old index must not leak positions into it.
        DraftTree t = d.propose(new int[] {4, 4}, 2, 4);
        assertArrayEquals(new int[] {4, 4}, t.tokens());
    }

    @Test
    void recycleStartsFromZerosThenLearnsTheTargetsTopK() {
        RecycleDrafter d = new RecycleDrafter(16, 8, RecycleDrafter.defaultTemplate());
        DraftTree first = d.propose(new int[] {3}, 1, 30);
        assertEquals(RecycleDrafter.defaultTemplate().length + 1, first.size());
        for (int i = 1; i < first.size(); i++) assertEquals(0, first.tokens()[i]);

        float[] row = new float[16];
        for (int v = 0; v < 16; v++) row[v] = (v * 7) % 16; // values 0,7,14,5,12,3,10,1,8,15,6,13,4,11,2,9
        float[] rows = new float[first.size() * 16];
        for (int i = 0; i < first.size(); i++) System.arraycopy(row, 0, rows, i * 16, 16);
        d.observe(first, rows, 16, null);
        // Top-8 of the row, best first: 15 at v=9, 14 at v=2, 13 at v=11, 12 at v=4, 11 at v=13, 10 at v=6, 9 at v=15, 8 at v=8.
        assertArrayEquals(new int[] {9, 2, 11, 4, 13, 6, 15, 8}, d.candidates(3));
        // The default template starts with a chain of rank-0 children, then rank 1 of the root: the
        // table has rows for the tokens fed so far (3 and 0), the rest are still 0.
        DraftTree next = d.propose(new int[] {3}, 1, 6);
        assertArrayEquals(new int[] {3, 9, 0, 9, 0, 9, 2}, next.tokens());
        assertArrayEquals(new int[] {-1, 0, 1, 2, 3, 4, 0}, next.parents());
    }

    @Test
    void templatePrefixesAreTheBestTreesOfTheirSize() {
        // speculative-decoding.md §9 (Sequoia): rank acceptance [0.6, 0.2, 0.1]; the best trees of 4
        // and 5 nodes (root included) give 2.176 (a chain) and 2.376 (the root's second child added).
        int[][] t = RecycleDrafter.template(new double[] {0.6, 0.2, 0.1}, 4);
        assertArrayEquals(new int[] {0}, t[0]);
        assertArrayEquals(new int[] {0, 0}, t[1]);
        assertArrayEquals(new int[] {0, 0, 0}, t[2]);
        assertArrayEquals(new int[] {1}, t[3]);
        double[] a = {0.6, 0.2, 0.1};
        double expected = 1;
        for (int[] path : t) {
            double p = 1;
            for (int r : path) p *= a[r];
            expected += p;
        }
        assertEquals(2.376, expected, 1e-12);
    }

    /** A chain step of {@code g} drafts of which the first {@code accepted} were accepted. */
    private static void step(AdaptiveDraftLength p, int g, int accepted, double draftSeconds, double verifySeconds) {
        int[] drafts = new int[g];
        int[] nodes = new int[accepted], tokens = new int[accepted];
        for (int i = 0; i < accepted; i++) nodes[i] = i + 1;
        p.record(DraftTree.chain(0, drafts), new Outcome(nodes, tokens, 0), draftSeconds, verifySeconds);
    }

    @Test
    void adaptiveLengthBacksOffWhenNothingIsAcceptedAndGrowsWhenAllIs() {
        AdaptiveDraftLength low = new AdaptiveDraftLength(0, 8, 16, 0.7);
        for (int i = 0; i < 100; i++) {
            int g = low.next();
            step(low, g, 0, 0.0001 * g, 0.010 + 0.001 * (g + 1));
        }
        int zeros = 0;
        for (int i = 0; i < 32; i++) {
            int g = low.next();
            if (g == 0) zeros++;
            step(low, g, 0, 0.0001 * g, 0.010 + 0.001 * (g + 1));
        }
        assertTrue(zeros >= 28, "with no acceptance the policy must mostly decode plainly, got " + zeros + "/32");

        AdaptiveDraftLength high = new AdaptiveDraftLength(0, 8, 16, 0.7);
        int g = 0;
        for (int i = 0; i < 100; i++) {
            g = high.next();
            step(high, g, g, 0.0001 * g, 0.010 + 0.001 * (g + 1));
        }
        assertEquals(8, g, "with full acceptance and cheap drafts the policy must draft the maximum");
    }

    @Test
    void adaptiveLengthSettlesOnTheLengthWithTheMostTokensPerSecond() {
        // Every draft accepted with probability 0.8 (deterministic pattern), verification of r rows
        // costs 1 + 0.3 (r − 1) ms, drafts cost 0.1 ms each: tokens per ms are
        // (1 − 0.8^{g+1}) / 0.2 / (0.1 g + 1 + 0.3 g), best at g = 3 (1.29/ms; g = 2: 1.26, g = 4: 1.27, g = 0: 1.0).
        AdaptiveDraftLength p = new AdaptiveDraftLength(0, 8, 16, 0.7);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        int[] chosen = new int[9];
        for (int i = 0; i < 3000; i++) {
            int g = p.next();
            int a = 0;
            while (a < g && rng.nextDouble() < 0.8) a++;
            step(p, g, a, 0.0001 * g, 0.001 * (1 + 0.3 * g));
            if (i >= 2000) chosen[g]++;
        }
        assertTrue(chosen[2] + chosen[3] + chosen[4] >= 900, "expected lengths 2..4 (3 best), got " + java.util.Arrays.toString(chosen));
        assertEquals(0, chosen[0], "drafting pays here: no plain steps expected");
    }

    @Test
    void adaptiveLengthFollowsRunsOfHitsAndMisses() {
        // A copying drafter: right on everything for 30 steps, then wrong on everything for 30, and so
        // on. Verification of r rows costs 1 + 0.25 (r − 1) ms, drafting is free.
        AdaptiveDraftLength p = new AdaptiveDraftLength(0, 8, 16, 0.7);
        int wastedAfterMiss = 0, shortAfterHit = 0;
        for (int i = 0; i < 300; i++) {
            boolean copying = (i / 30) % 2 == 0;
            int g = p.next();
            step(p, g, copying ? g : 0, 0, 0.001 * (1 + 0.25 * g));
            int phase = i % 30;
            if (i >= 60 && !copying && phase >= 3 && g > 0) wastedAfterMiss++;
            if (i >= 60 && copying && phase >= 3 && g < 8) shortAfterHit++;
        }
        // Back in a copying stretch the policy only learns of it at a probe (every 16 plain steps).
        assertTrue(wastedAfterMiss <= 12, "drafts in stretches of misses: " + wastedAfterMiss);
        assertTrue(shortAfterHit <= 4 * 16 + 12, "short drafts in stretches of hits: " + shortAfterHit);
    }

    @Test
    void confidenceRuleStopsWhenTheProductDrops() {
        AdaptiveDraftLength p = new AdaptiveDraftLength(1, 8, 16, 0.5);
        assertTrue(p.keepDrafting(0, 1.0));
        assertTrue(p.keepDrafting(2, 0.6));
        assertFalse(p.keepDrafting(2, 0.4));
        assertFalse(p.keepDrafting(8, 1.0));
    }
}
