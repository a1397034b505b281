package dev.tessera.model.spec;

import java.util.Arrays;

/**
 * Token Recycling (Luo et al., ACL 2025): an adjacency table {@code M[token] = } the target's top-k
 * next tokens the last time it processed that token, filled from every verified row — rejected
 * ones included — and expanded breadth-first along a fixed tree template into a draft tree.
 */
public final class RecycleDrafter implements Drafter {
    private final int k;
    private final int[] table; // vocab × k, initially 0 (the paper's initialisation)
    private final int[][] template; // index paths, level order
    private final int[] templateParent; // node index (0 = root) of each path's prefix

    /**
     * @param template paths of child indices (each {@code < k}) in level order; every proper prefix
     *                 of a path must appear before it. {@link #defaultTemplate} suits CPUs.
     */
    public RecycleDrafter(int vocabSize, int k, int[][] template) {
        this.k = k;
        this.table = new int[vocabSize * k];
        this.template = template;
        this.templateParent = new int[template.length];
        for (int t = 0; t < template.length; t++) {
            int[] path = template[t];
            for (int c : path) if (c < 0 || c >= k) throw new IllegalArgumentException("template index " + c + " outside 0.." + (k - 1));
            templateParent[t] = path.length == 1 ? 0 : indexOf(template, t, Arrays.copyOf(path, path.length - 1)) + 1;
        }
    }

    private static int indexOf(int[][] template, int before, int[] prefix) {
        for (int t = 0; t < before; t++) if (Arrays.equals(template[t], prefix)) return t;
        throw new IllegalArgumentException("template path " + Arrays.toString(prefix) + " must precede its extensions");
    }

    @Override
    public String name() { return "recycle"; }

    /** A 21-node template of depth 7: wide near the root, a single chain deeper down. */
    public static int[][] defaultTemplate() {
        return new int[][] {
            {0}, {1}, {2}, {3},
            {0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {2, 0},
            {0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0},
            {0, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 0},
            {0, 0, 0, 0, 0}, {0, 0, 0, 0, 1},
            {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0},
        };
    }

    /** Fills the first {@code maxDrafts} template nodes breadth-first from the table. */
    @Override
    public DraftTree propose(int[] context, int length, int maxDrafts) {
        int n = 1 + Math.max(0, Math.min(maxDrafts, template.length));
        int[] tokens = new int[n];
        int[] parents = new int[n];
        tokens[0] = context[length - 1];
        parents[0] = -1;
        for (int node = 1; node < n; node++) {
            int[] path = template[node - 1];
            int parent = templateParent[node - 1];
            parents[node] = parent;
            tokens[node] = table[tokens[parent] * k + path[path.length - 1]];
        }
        return new DraftTree(tokens, parents, new double[n][], CandidateMode.DETERMINISTIC);
    }

    @Override
    public void observe(DraftTree tree, float[] logits, int vocab, Outcome outcome) {
        for (int i = 0; i < tree.size(); i++) topK(logits, i * vocab, vocab, tree.tokens()[i]);
    }

    /** {@code M[token] = } the indices of the k largest logits of the row at {@code off}, best first. */
    void topK(float[] logits, int off, int vocab, int token) {
        int base = token * k;
        int count = 0;
        for (int v = 0; v < vocab; v++) {
            float x = logits[off + v];
            if (count == k && x <= logits[off + table[base + k - 1]]) continue;
            int pos = Math.min(count, k - 1);
            while (pos > 0 && logits[off + table[base + pos - 1]] < x) {
                table[base + pos] = table[base + pos - 1];
                pos--;
            }
            table[base + pos] = v;
            if (count < k) count++;
        }
    }

    /** The current candidates for {@code token} (for tests and diagnostics). */
    public int[] candidates(int token) { return Arrays.copyOfRange(table, token * k, token * k + k); }
}
