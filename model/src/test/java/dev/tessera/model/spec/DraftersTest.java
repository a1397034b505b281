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
        DraftTree next = d.propose(new int[] {3}, 1, 4);
        assertArrayEquals(new int[] {3, 9, 2, 11, 4}, next.tokens());
        assertArrayEquals(new int[] {-1, 0, 0, 0, 0}, next.parents());
    }

    @Test
    void adaptiveLengthBacksOffWhenNothingIsAcceptedAndGrowsWhenAllIs() {
        AdaptiveDraftLength low = new AdaptiveDraftLength(0, 8, 16, 0.7);
        for (int i = 0; i < 100; i++) {
            int g = low.next();
            low.record(g, 0, 0.0001 * g, 0.010 + 0.001 * (g + 1), g + 1);
        }
        int zeros = 0;
        for (int i = 0; i < 32; i++) {
            int g = low.next();
            if (g == 0) zeros++;
            low.record(g, 0, 0.0001 * g, 0.010 + 0.001 * (g + 1), g + 1);
        }
        assertTrue(zeros >= 28, "with no acceptance the policy must mostly decode plainly, got " + zeros + "/32");

        AdaptiveDraftLength high = new AdaptiveDraftLength(0, 8, 16, 0.7);
        int g = 0;
        for (int i = 0; i < 100; i++) {
            g = high.next();
            high.record(g, g, 0.0001 * g, 0.010 + 0.001 * (g + 1), g + 1);
        }
        assertEquals(8, g, "with full acceptance and cheap drafts the policy must draft the maximum");
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
