package dev.tessera.model.spec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The acceptance rules must emit tokens distributed exactly as the target's (speculative-decoding.md
 * §9). Monte Carlo with fixed seeds, judged by a chi-square goodness-of-fit test at p = 0.001.
 */
class VerificationTest {
    /** Chi-square critical values at p = 0.001 (standard tables), by degrees of freedom. */
    private static final double[] CHI2_CRIT_001 = {0, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124,
            27.877, 29.588, 31.264, 32.909, 34.528, 36.123, 37.697, 39.252, 40.790, 42.312, 43.820, 45.315, 46.797,
            48.268, 49.728, 51.179};

    private static final int V = 5;
    private static final int TRIALS = 200_000;

    @Test
    void specExampleChainOfOneIsLossless() {
        double[] p = {0.5, 0.3, 0.2};
        double[] q = {0.2, 0.5, 0.3};
        RandomGenerator rng = new SplittableRandom(1);
        long[] counts = new long[3];
        for (int t = 0; t < TRIALS; t++) {
            int d = Verification.sample(q, rng);
            DraftTree tree = DraftTree.sampledChain(0, new int[] {d}, new double[][] {q});
            Outcome o = Verification.stochastic(tree, new double[][] {p, p}, rng);
            counts[o.emitted()[0]]++;
        }
        assertFits(p, counts);
    }

    @Test
    void everyCandidateModeIsLosslessForOneToThreeCandidates() {
        RandomGenerator gen = new SplittableRandom(7);
        for (CandidateMode mode : CandidateMode.values()) {
            for (int k = 1; k <= 3; k++) {
                double[] p = randomDist(gen);
                double[] q = randomDist(gen);
                RandomGenerator rng = new SplittableRandom(100 + k);
                long[] counts = new long[V];
                for (int t = 0; t < TRIALS; t++) {
                    int[] cand = propose(mode, q, k, rng, gen);
                    int[] tokens = new int[k + 1];
                    int[] parents = new int[k + 1];
                    parents[0] = -1;
                    for (int i = 0; i < k; i++) {
                        tokens[i + 1] = cand[i];
                        parents[i + 1] = 0;
                    }
                    double[][] proposal = new double[k + 1][];
                    if (mode != CandidateMode.DETERMINISTIC) proposal[0] = q;
                    DraftTree tree = new DraftTree(tokens, parents, proposal, mode);
                    double[][] rows = new double[k + 1][];
                    Arrays.fill(rows, p);
                    counts[Verification.stochastic(tree, rows, rng).emitted()[0]]++;
                }
                assertFits(p, counts);
            }
        }
    }

    @Test
    void twoLevelTreeKeepsTheJointDistributionOfTwoTokens() {
        RandomGenerator gen = new SplittableRandom(11);
        double[] p0 = randomDist(gen);
        double[][] p1 = new double[V][];
        double[][] q1 = new double[V][];
        for (int a = 0; a < V; a++) {
            p1[a] = randomDist(gen);
            q1[a] = randomDist(gen);
        }
        double[] q0 = randomDist(gen);
        RandomGenerator rng = new SplittableRandom(5);
        long[] counts = new long[V * V];
        for (int t = 0; t < TRIALS; t++) {
            // Root with two children drawn without replacement from q0, each with two children from q1[child].
            int[] first = withoutReplacement(q0, 2, rng);
            int[] tokens = new int[7];
            int[] parents = {-1, 0, 0, 1, 1, 2, 2};
            double[][] proposal = new double[7][];
            proposal[0] = q0;
            tokens[1] = first[0];
            tokens[2] = first[1];
            for (int c = 0; c < 2; c++) {
                int[] second = withoutReplacement(q1[first[c]], 2, rng);
                tokens[3 + 2 * c] = second[0];
                tokens[4 + 2 * c] = second[1];
                proposal[1 + c] = q1[first[c]];
            }
            DraftTree tree = new DraftTree(tokens, parents, proposal, CandidateMode.WITHOUT_REPLACEMENT);
            double[][] rows = new double[7][];
            rows[0] = p0;
            rows[1] = p1[tokens[1]];
            rows[2] = p1[tokens[2]];
            // Depth-2 rows would give the third token's distribution; any distribution will do here.
            for (int i = 3; i < 7; i++) rows[i] = p0;
            int[] out = Verification.stochastic(tree, rows, rng).emitted();
            int a = out[0];
            int b = out.length > 1 ? out[1] : Verification.sample(p1[a], rng);
            counts[a * V + b]++;
        }
        double[] joint = new double[V * V];
        for (int a = 0; a < V; a++) for (int b = 0; b < V; b++) joint[a * V + b] = p0[a] * p1[a][b];
        assertFits(joint, counts);
    }

    @Test
    void greedyWalksTheArgmaxPathAsInTheSpecExample() {
        // Template [[0],[1],[0,0],[0,1],[1,0]]: tokens R a b c d e; argmax at 0 = a, at 1 = d, at 4 = x.
        int R = 10, a = 11, b = 12, c = 13, d = 14, e = 15, x = 16;
        DraftTree tree = new DraftTree(new int[] {R, a, b, c, d, e}, new int[] {-1, 0, 0, 1, 1, 2}, new double[6][],
                CandidateMode.DETERMINISTIC);
        int[] argmax = {a, d, 0, 0, x, 0};
        java.util.List<Integer> asked = new java.util.ArrayList<>();
        Outcome o = Verification.greedy(tree, u -> {
            asked.add(u);
            return argmax[u];
        });
        assertEquals(java.util.List.of(0, 1, 4), asked, "only the rows on the walked path need their argmax");
        assertArrayEquals(new int[] {1, 4}, o.acceptedNodes());
        assertArrayEquals(new int[] {a, d, x}, o.emitted());
        assertArrayEquals(new int[] {0, 1, 1, 2, 2, 2}, tree.positions(0));
        boolean[][] vis = tree.visibility();
        assertTrue(vis[4][0] && vis[4][1] && vis[4][4]);
        assertFalse(vis[4][2] || vis[4][3] || vis[5][1]);
    }

    @Test
    void deterministicDraftWithCertainTargetIsAlwaysAccepted() {
        double[] p = {0, 1, 0};
        DraftTree tree = DraftTree.chain(0, new int[] {1, 1});
        Outcome o = Verification.stochastic(tree, new double[][] {p, p, p}, new SplittableRandom(3));
        assertArrayEquals(new int[] {1, 1, 1}, o.emitted());
    }

    private static int[] propose(CandidateMode mode, double[] q, int k, RandomGenerator rng, RandomGenerator gen) {
        return switch (mode) {
            case INDEPENDENT -> {
                int[] c = new int[k];
                for (int i = 0; i < k; i++) c[i] = Verification.sample(q, rng);
                yield c;
            }
            case WITHOUT_REPLACEMENT -> withoutReplacement(q, k, rng);
            case DETERMINISTIC -> Arrays.copyOf(new int[] {3, 0, 2}, k);
        };
    }

    private static int[] withoutReplacement(double[] q, int k, RandomGenerator rng) {
        double[] w = q.clone();
        int[] c = new int[k];
        for (int i = 0; i < k; i++) {
            double z = Arrays.stream(w).sum();
            for (int j = 0; j < w.length; j++) w[j] /= z;
            c[i] = Verification.sample(w, rng);
            w[c[i]] = 0;
        }
        return c;
    }

    private static double[] randomDist(RandomGenerator gen) {
        double[] d = new double[V];
        double z = 0;
        for (int i = 0; i < V; i++) z += d[i] = 0.05 + gen.nextDouble();
        for (int i = 0; i < V; i++) d[i] /= z;
        return d;
    }

    private static void assertFits(double[] expected, long[] counts) {
        long n = Arrays.stream(counts).sum();
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0, counts[i], "a token with target probability 0 was emitted");
                continue;
            }
            double e = expected[i] * n;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            df++;
        }
        assertTrue(chi2 < CHI2_CRIT_001[df], "chi-square " + chi2 + " with " + df + " degrees of freedom: counts "
                + Arrays.toString(counts) + " do not fit " + Arrays.toString(expected));
    }
}
