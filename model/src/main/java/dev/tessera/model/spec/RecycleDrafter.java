package dev.tessera.model.spec;

import java.util.Arrays;

/**
 * Token Recycling (Luo et al., ACL 2025): an adjacency table {@code M[token] = } the target's top-k
 * next tokens the last time it processed that token, filled from every verified row — rejected
 * ones included — and expanded along a fixed tree template into a draft tree.
 */
public final class RecycleDrafter implements Drafter {
    private final int k;
    private final int[] table; // vocab × k, initially 0 (the paper's initialisation)
    private final int[][] template; // index paths, each after its prefix
    private final int[] templateParent; // node index (0 = root) of each path's prefix

    /**
     * @param template paths of child indices (each {@code < k}); every proper prefix of a path must
     *                 appear before it. {@link #defaultTemplate} suits CPUs.
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

    /**
     * A 21-node template ordered by expected acceptance, so that every prefix — what a smaller draft
     * budget uses — is itself a good tree: see {@link #template}; rank acceptances typical of the
     * target's top-k on story text.
     */
    public static int[][] defaultTemplate() {
        return template(new double[] {0.7, 0.15, 0.08, 0.05}, 21);
    }

    /**
     * The {@code nodes} paths with the largest probability of being reached when the child of rank
     * r of a reached node is accepted with probability {@code rankAcceptance[r]}, in decreasing order
     * of that probability (a parent always precedes its children). Under that model the first m
     * paths form the tree of m drafts with the most expected accepted tokens (Sequoia's objective;
     * the sum of path probabilities is maximal and the set is closed under taking prefixes).
     */
    public static int[][] template(double[] rankAcceptance, int nodes) {
        record Path(int[] ranks, double p) {}
        java.util.PriorityQueue<Path> open = new java.util.PriorityQueue<>((x, y) -> Double.compare(y.p(), x.p()));
        open.add(new Path(new int[0], 1));
        int[][] out = new int[nodes][];
        for (int i = -1; i < nodes; i++) {
            Path best = open.poll();
            if (i >= 0) out[i] = best.ranks();
            for (int r = 0; r < rankAcceptance.length; r++) {
                int[] child = Arrays.copyOf(best.ranks(), best.ranks().length + 1);
                child[child.length - 1] = r;
                open.add(new Path(child, best.p() * rankAcceptance[r]));
            }
        }
        return out;
    }

    /** Fills the first {@code maxDrafts} template nodes from the table. */
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
