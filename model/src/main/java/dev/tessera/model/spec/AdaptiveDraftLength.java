package dev.tessera.model.spec;

/**
 * Chooses how many tokens to draft next from what steps of each size cost and how often each
 * drafted node is accepted (speculative-decoding.md §3 and §6, Sequoia's hardware-aware criterion).
 *
 * <p>Acceptance is kept per node index of the drafter's proposals (a chain's node i is its i-th
 * draft; a tree drafter's nodes come in its template order): the rate at which node i is accepted
 * when its parent was. A budget of g drafts then yields {@code E[N](g) = 1 + Σ_{i≤g} P(reach i)}
 * tokens per step, {@code P(reach i) = a_i · P(reach parent(i))}, which captures that a copying
 * drafter is either right for a long stretch or wrong at once. The estimates are kept apart by
 * whether the previous drafting step had a draft accepted, since acceptance comes in runs: a
 * copying drafter that just missed will likely miss again (back off at once), one that just hit
 * will likely hit again (draft long at once). The cost of a step of g drafts is
 * the measured draft time per token times g plus the measured time of a verification of g + 1 rows
 * (kept per row count, since a batched forward pass is far from linear in its rows). The policy
 * picks the g in {@code [min, max]} with the most tokens per second, 0 (plain decoding) when none
 * beats it; at 0 it still probes with one draft every {@code probeEvery} steps, so acceptance that
 * returns is noticed.
 *
 * <p>The within-step rule (stop drafting once the draft's confidence product falls below a
 * threshold, after SpecDec++ with the draft's top probability standing in for the trained head)
 * is {@link #keepDrafting}.
 */
public final class AdaptiveDraftLength {
    /** Weight of the newest observation in the per-size cost averages. */
    private static final double EMA = 0.15;
    /** Per observed step, old acceptance counts fade by this factor, so the estimates follow the text. */
    private static final double DECAY = 0.97;
    /** Pseudo-observations that pull a rarely tested node towards its prior (its parent's or previous sibling's rate). */
    private static final double PRIOR_WEIGHT = 2;
    /** Prior acceptance of the first draft: optimistic, so drafting is tried before evidence says otherwise. */
    private static final double FIRST_PRIOR = 0.6;
    /** Acceptance statistics are kept apart after a step with an accepted draft and after one without. */
    private static final int MISS = 0, HIT = 1;
    /** Verification costs observed this many times are trusted (and enter the fit for other sizes). */
    private static final int TRUSTED = 3;
    /** Until two sizes are known: an extra verified row costs this fraction of a one-row step (F32 on a CPU: 0.25). */
    private static final double PRIOR_ROW = 0.3;

    private final int min;
    private final int max;
    private final int probeEvery;
    private final double stopThreshold;
    private final double[][] tests; // [state][node index 1..max]: decayed count of steps where its parent was reached
    private final double[][] hits; // ... and it was accepted
    private int state = HIT; // whether the last drafting step had a draft accepted
    private final int[] parent; // node i's parent in the latest proposal that had node i (a chain until a tree is seen)
    private final double[] verify; // per row count 1..max+1: average seconds of the verification step
    private final int[] verifySeen;
    private double draftSeconds = -1; // per drafted token
    private int stepsSinceProbe;
    private final double[] reach; // scratch of expectedTokens

    /**
     * @param stopThreshold stop a round once {@code 1 − Π confidence > stopThreshold} (e.g. 0.7);
     *                      {@code >= 1} disables the rule
     */
    public AdaptiveDraftLength(int min, int max, int probeEvery, double stopThreshold) {
        if (min < 0 || max < min) throw new IllegalArgumentException("--draft-min/--draft-max must satisfy 0 <= min <= max, got " + min + "/" + max);
        this.min = min;
        this.max = max;
        this.probeEvery = probeEvery;
        this.stopThreshold = stopThreshold;
        this.tests = new double[2][max + 1];
        this.hits = new double[2][max + 1];
        this.parent = new int[max + 1];
        for (int i = 1; i <= max; i++) parent[i] = i - 1;
        this.verify = new double[max + 2];
        this.verifySeen = new int[max + 2];
        this.reach = new double[max + 1];
    }

    /** Drafts to request for the next step. */
    public int next() {
        if (max == 0) return 0;
        if (verifySeen[1] == 0 && min == 0) return 0; // first measure what a plain step costs: the yardstick of every choice
        int best = min;
        double bestRate = rate(min);
        for (int g = min + 1; g <= max; g++) {
            double r = rate(g);
            if (r > bestRate) {
                bestRate = r;
                best = g;
            }
        }
        if (best > 0) {
            stepsSinceProbe = 0;
            return best;
        }
        if (++stepsSinceProbe >= probeEvery) {
            stepsSinceProbe = 0;
            return 1;
        }
        return 0;
    }

    /** Expected tokens per second with {@code g} drafts under the current estimates (relative units until measured). */
    double rate(int g) {
        return expectedTokens(g) / (draftCost(g) + verifyCost(g + 1));
    }

    /** Tokens a step with the first {@code g} nodes is expected to emit: the accepted ones plus one. */
    double expectedTokens(int g) {
        double sum = 1;
        reach[0] = 1;
        for (int i = 1; i <= g; i++) {
            reach[i] = acceptance(i) * reach[parent[i]];
            sum += reach[i];
        }
        return sum;
    }

    /** Estimated probability that node {@code i} is accepted when its parent was. */
    double acceptance(int i) {
        int sibling = 0;
        for (int j = i - 1; j > parent[i]; j--) {
            if (parent[j] == parent[i]) {
                sibling = j;
                break;
            }
        }
        // An untested node is assumed half as good as its previous sibling, or as good as its parent.
        double prior = sibling > 0 ? 0.5 * acceptance(sibling) : parent[i] > 0 ? acceptance(parent[i]) : FIRST_PRIOR;
        return (hits[state][i] + PRIOR_WEIGHT * prior) / (tests[state][i] + PRIOR_WEIGHT);
    }

    private double draftCost(int g) {
        if (g == 0) return 0;
        return draftSeconds < 0 ? 0.05 * g * verifyCost(1) : draftSeconds * g;
    }

    /**
     * Seconds to verify {@code rows} rows: the average for that size once seen often enough, else a
     * line through the sizes seen often enough (one stalled step must not price a size out for good);
     * with fewer than two such sizes, a row is assumed to cost {@link #PRIOR_ROW} of a one-row step.
     */
    double verifyCost(int rows) {
        if (verifySeen[rows] >= TRUSTED) return verify[rows];
        double n = 0, sr = 0, st = 0, srr = 0, srt = 0;
        int sizes = 0, only = 0;
        for (int r = 1; r < verify.length; r++) {
            if (verifySeen[r] < TRUSTED) continue;
            double w = Math.min(verifySeen[r], 10);
            n += w;
            sr += w * r;
            st += w * verify[r];
            srr += w * r * r;
            srt += w * r * verify[r];
            sizes++;
            only = r;
        }
        if (sizes == 0) return 1 + PRIOR_ROW * (rows - 1); // nothing measured yet: relative units
        if (sizes == 1) return verify[only] * (1 + PRIOR_ROW * (rows - 1)) / (1 + PRIOR_ROW * (only - 1));
        double meanR = sr / n, meanT = st / n;
        double slope = (srt / n - meanR * meanT) / (srr / n - meanR * meanR);
        // A noisy fit must not make rows free: on a CPU each row costs at least a twentieth of a step.
        slope = Math.max(slope, 0.05 * meanT / (1 + 0.05 * (meanR - 1)));
        return Math.max(1e-9, meanT + slope * (rows - meanR));
    }

    /**
     * Records a finished step: the proposed {@code tree} (its nodes in proposal order), the
     * verification {@code outcome}, the seconds spent drafting, and the seconds from the end of
     * drafting to the end of the step (forward pass, acceptance and bookkeeping).
     */
    public void record(DraftTree tree, Outcome outcome, double draftTime, double verifyTime) {
        int n = Math.min(tree.drafts(), max);
        if (n > 0) {
            double[] t = tests[state], h = hits[state];
            for (int i = 1; i <= max; i++) {
                t[i] *= DECAY;
                h[i] *= DECAY;
            }
            boolean[] onPath = new boolean[n + 1];
            onPath[0] = true;
            for (int node : outcome.acceptedNodes()) if (node <= n) onPath[node] = true;
            for (int i = 1; i <= n; i++) {
                parent[i] = tree.parents()[i];
                if (!onPath[parent[i]]) continue; // never tested: its parent was rejected
                t[i]++;
                if (onPath[i]) h[i]++;
            }
            state = outcome.accepted() > 0 ? HIT : MISS;
            double perToken = draftTime / tree.drafts();
            if (draftSeconds < 0) draftSeconds = perToken;
            else if (perToken < draftSeconds) draftSeconds += 0.5 * (perToken - draftSeconds);
            else draftSeconds += EMA * (Math.min(perToken, 3 * draftSeconds) - draftSeconds);
        }
        int rows = Math.min(tree.size(), verify.length - 1);
        if (verifySeen[rows] == 0) {
            verify[rows] = verifyTime;
        } else if (verifyTime < verify[rows]) {
            // Stalls (a neighbour taking the core, a cold JIT) only ever add time: follow drops fast...
            verify[rows] += 0.5 * (verifyTime - verify[rows]);
        } else {
            // ... and rises slowly, a stall counting at most thrice the average.
            verify[rows] += EMA * (Math.min(verifyTime, 3 * verify[rows]) - verify[rows]);
        }
        verifySeen[rows]++;
    }

    /**
     * SpecDec++-style stopping inside a round: keep drafting while the estimated chance that all
     * drafts so far survive, {@code confidenceProduct}, is at least {@code 1 − threshold}.
     */
    public boolean keepDrafting(int drafted, double confidenceProduct) {
        if (drafted < Math.max(1, min)) return true;
        if (drafted >= max) return false;
        return 1 - confidenceProduct <= stopThreshold;
    }
}
