package dev.tessera.model.spec;

import java.util.Arrays;

/**
 * A draft to verify: node 0 is the pending token (the root, not a draft), nodes 1..T are drafted
 * tokens in any order with {@code parent[i] < i} (level order, or a drafter's order of preference). A chain is the tree with {@code parent[i] = i - 1}.
 * {@code proposal[u]} is the distribution the children of node u were drawn from (null for
 * {@link CandidateMode#DETERMINISTIC} drafts or for nodes without children).
 */
public record DraftTree(int[] tokens, int[] parents, double[][] proposal, CandidateMode mode) {
    public DraftTree {
        if (tokens.length == 0 || tokens.length != parents.length || proposal.length != tokens.length) {
            throw new IllegalArgumentException("tokens, parents and proposal must have one entry per node, root first");
        }
        if (parents[0] != -1) throw new IllegalArgumentException("node 0 is the root and has parent -1");
        for (int i = 1; i < parents.length; i++) {
            if (parents[i] < 0 || parents[i] >= i) throw new IllegalArgumentException("parent of node " + i + " must precede it");
        }
        if (mode != CandidateMode.DETERMINISTIC) {
            for (int i = 1; i < parents.length; i++) {
                if (proposal[parents[i]] == null) throw new IllegalArgumentException("node " + parents[i] + " has children but no proposal distribution");
            }
        }
    }

    /** Only the pending token: plain decoding. */
    public static DraftTree root(int pending) {
        return new DraftTree(new int[] {pending}, new int[] {-1}, new double[1][], CandidateMode.DETERMINISTIC);
    }

    /** A deterministic chain {@code pending, drafts...}. */
    public static DraftTree chain(int pending, int[] drafts) {
        int n = drafts.length + 1;
        int[] tokens = new int[n];
        int[] parents = new int[n];
        tokens[0] = pending;
        parents[0] = -1;
        for (int i = 1; i < n; i++) {
            tokens[i] = drafts[i - 1];
            parents[i] = i - 1;
        }
        return new DraftTree(tokens, parents, new double[n][], CandidateMode.DETERMINISTIC);
    }

    /** A sampled chain; {@code q[i]} is the distribution {@code drafts[i]} was drawn from. */
    public static DraftTree sampledChain(int pending, int[] drafts, double[][] q) {
        int n = drafts.length + 1;
        DraftTree shape = chain(pending, drafts);
        double[][] proposal = new double[n][];
        for (int i = 0; i < drafts.length; i++) proposal[i] = q[i];
        return new DraftTree(shape.tokens, shape.parents, proposal, CandidateMode.INDEPENDENT);
    }

    /** Number of nodes including the root. */
    public int size() { return tokens.length; }

    /** Number of drafted tokens. */
    public int drafts() { return tokens.length - 1; }

    public int depth(int node) {
        int d = 0;
        for (int u = node; parents[u] >= 0; u = parents[u]) d++;
        return d;
    }

    /** Children of {@code node} in order. */
    public int[] children(int node) {
        int count = 0;
        for (int p : parents) if (p == node) count++;
        int[] c = new int[count];
        int k = 0;
        for (int i = 0; i < parents.length; i++) if (parents[i] == node) c[k++] = i;
        return c;
    }

    /** True when every node has at most one child. */
    public boolean isChain() {
        for (int i = 1; i < parents.length; i++) if (parents[i] != i - 1) return false;
        return true;
    }

    /** RoPE positions of the nodes when the committed prefix holds {@code committed} tokens. */
    public int[] positions(int committed) {
        int[] pos = new int[size()];
        for (int i = 0; i < pos.length; i++) pos[i] = committed + (i == 0 ? 0 : depth(i));
        return pos;
    }

    /** {@code visible[i][j]}: node j is node i or one of its ancestors (the tree attention mask). */
    public boolean[][] visibility() {
        int n = size();
        boolean[][] v = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            if (parents[i] >= 0) System.arraycopy(v[parents[i]], 0, v[i], 0, n);
            v[i][i] = true;
        }
        return v;
    }

    @Override
    public String toString() {
        return "DraftTree" + Arrays.toString(tokens) + " parents " + Arrays.toString(parents) + " " + mode;
    }
}
