package dev.tessera.model.spec;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Acceptance of a draft tree against the target's rows (speculative-decoding.md §2). Row {@code u}
 * of the target is its next-token distribution after node u, so it verifies u's children.
 */
public final class Verification {
    private Verification() {}

    /**
     * Greedy rule (§2.1): from the root, move to the child carrying the target's argmax while there is
     * one; emit the argmax at the node where the walk stops. {@code argmaxAt} gives the target's
     * argmax at a node; it is asked only for the nodes the walk visits.
     */
    public static Outcome greedy(DraftTree tree, IntUnaryOperator argmaxAt) {
        int[] tokens = tree.tokens(), parents = tree.parents();
        int[] nodes = new int[tree.size()];
        int count = 0;
        int u = 0;
        while (true) {
            int best = argmaxAt.applyAsInt(u);
            int next = -1;
            for (int c = u + 1; c < tokens.length; c++) {
                if (parents[c] == u && tokens[c] == best) {
                    next = c;
                    break;
                }
            }
            if (next < 0) return outcome(tree, Arrays.copyOf(nodes, count), best);
            nodes[count++] = next;
            u = next;
        }
    }

    /**
     * Lossless stochastic rule (§2.2 for chains, §2.4 for several candidates): {@code p[u]} is the
     * target's processed distribution at node u (after temperature, top-k, ... exactly as plain
     * sampling would use). The emitted tokens are distributed exactly as sampling from the target.
     */
    public static Outcome stochastic(DraftTree tree, double[][] p, RandomGenerator rng) {
        int[] nodes = new int[tree.size()];
        int count = 0;
        int u = 0;
        while (true) {
            int[] children = tree.children(u);
            double[] r = p[u].clone();
            double[] q = tree.proposal()[u] == null ? null : tree.proposal()[u].clone();
            int accepted = -1;
            for (int c : children) {
                int tok = tree.tokens()[c];
                boolean ok = switch (tree.mode()) {
                    case DETERMINISTIC -> {
                        if (rng.nextDouble() < r[tok]) yield true;
                        r[tok] = 0;
                        normalize(r, p[u]);
                        yield false;
                    }
                    case INDEPENDENT, WITHOUT_REPLACEMENT -> {
                        if (q[tok] <= 0) throw new IllegalStateException("draft token " + tok + " has zero proposal probability: the stored proposal is not the one it was drawn from");
                        if (rng.nextDouble() * q[tok] < r[tok]) yield true;
                        for (int x = 0; x < r.length; x++) r[x] = Math.max(0, r[x] - q[x]);
                        normalize(r, p[u]);
                        if (tree.mode() == CandidateMode.WITHOUT_REPLACEMENT) {
                            q[tok] = 0;
                            normalize(q, null);
                        }
                        yield false;
                    }
                };
                if (ok) {
                    accepted = c;
                    break;
                }
            }
            if (accepted < 0) return outcome(tree, Arrays.copyOf(nodes, count), sample(r, rng));
            nodes[count++] = accepted;
            u = accepted;
            if (tree.children(u).length == 0) return outcome(tree, Arrays.copyOf(nodes, count), sample(p[u], rng));
        }
    }

    private static Outcome outcome(DraftTree tree, int[] nodes, int extra) {
        int[] tokens = new int[nodes.length];
        for (int i = 0; i < nodes.length; i++) tokens[i] = tree.tokens()[nodes[i]];
        return new Outcome(nodes, tokens, extra);
    }

    /** Scales {@code v} to sum 1; if nothing is left, falls back to {@code fallback} (or leaves v as is). */
    static void normalize(double[] v, double[] fallback) {
        double z = 0;
        for (double x : v) z += x;
        if (z > 0) {
            for (int i = 0; i < v.length; i++) v[i] /= z;
        } else if (fallback != null) {
            // Only reachable through rounding when the residual is numerically empty.
            System.arraycopy(fallback, 0, v, 0, v.length);
        }
    }

    /** Inverse-CDF sample of a distribution that sums to 1 (up to rounding). */
    public static int sample(double[] dist, RandomGenerator rng) {
        double u = rng.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < dist.length; i++) {
            if (dist[i] <= 0) continue;
            acc += dist[i];
            last = i;
            if (u < acc) return i;
        }
        if (last < 0) throw new IllegalArgumentException("empty distribution");
        return last;
    }
}
