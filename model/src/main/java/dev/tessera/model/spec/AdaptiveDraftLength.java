package dev.tessera.model.spec;

/**
 * Chooses how many tokens to draft next from what the last steps cost and how many were accepted
 * (speculative-decoding.md §3 and §6). With a per-token acceptance estimate α, γ drafts yield
 * {@code E[N] = (1 − α^{γ+1}) / (1 − α)} tokens per step, for a cost of γ draft steps plus one
 * verification of γ+1 rows; the policy picks the γ in {@code [min, max]} with the most tokens per
 * second and drops to 0 (plain decoding) when no γ beats it. At 0 it still probes with
 * {@code min(1, max)} drafts every {@code probeEvery} steps, so acceptance that returns is noticed.
 *
 * <p>The within-step rule (stop drafting once the draft's confidence product falls below a
 * threshold, after SpecDec++ with the draft's top probability standing in for the trained head)
 * is {@link #keepDrafting}.
 */
public final class AdaptiveDraftLength {
    private static final double EMA = 0.1;

    private final int min;
    private final int max;
    private final int probeEvery;
    private final double stopThreshold;
    private double alpha = 0.6; // optimistic start: draft until evidence says otherwise
    private double draftSeconds = 0; // per drafted token
    private double verifyBase = -1; // seconds of a verification, fitted as base + perRow * rows
    private double verifyPerRow = 0;
    private int stepsSinceProbe;

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
    }

    /** Drafts to request for the next step. */
    public int next() {
        if (max == 0) return 0;
        int best = 0;
        double bestRate = rate(0);
        for (int g = Math.max(1, min); g <= max; g++) {
            double r = rate(g);
            if (r > bestRate) {
                bestRate = r;
                best = g;
            }
        }
        if (best == 0 && min > 0) best = min;
        if (best == 0 && ++stepsSinceProbe >= probeEvery) {
            stepsSinceProbe = 0;
            return 1;
        }
        if (best > 0) stepsSinceProbe = 0;
        return best;
    }

    /** Expected tokens per second with {@code g} drafts under the current estimates (relative units if unmeasured). */
    double rate(int g) {
        double tokens = alpha >= 1 ? g + 1 : (1 - Math.pow(alpha, g + 1)) / (1 - alpha);
        double verify = verifyBase < 0 ? 1 + 0.05 * g : verifyBase + verifyPerRow * (g + 1);
        double draft = verifyBase < 0 ? 0.05 * g : draftSeconds * g;
        return tokens / (draft + verify);
    }

    /**
     * Records a finished step: {@code proposed} drafts on the accepted path's chain, {@code accepted}
     * of them accepted, the seconds spent drafting and verifying, and the rows verified.
     */
    public void record(int proposed, int accepted, double draftTime, double verifyTime, int rows) {
        if (proposed > 0) {
            // Tests performed: every accepted draft, plus the rejected one if the chain stopped early.
            int tests = accepted + (accepted < proposed ? 1 : 0);
            alpha += EMA * ((double) accepted / tests - alpha);
            alpha = Math.min(alpha, 0.99);
            draftSeconds += EMA * (draftTime / proposed - draftSeconds);
        }
        fitVerify(verifyTime, rows);
    }

    // A running fit of verify time = base + perRow·rows over the observations so far.
    private double sumR, sumT, sumRR, sumRT, count;

    private void fitVerify(double seconds, int rows) {
        double decay = 0.95;
        sumR = sumR * decay + rows;
        sumT = sumT * decay + seconds;
        sumRR = sumRR * decay + (double) rows * rows;
        sumRT = sumRT * decay + rows * seconds;
        count = count * decay + 1;
        double varR = sumRR / count - (sumR / count) * (sumR / count);
        if (varR > 1e-9) {
            verifyPerRow = Math.max(0, (sumRT / count - (sumR / count) * (sumT / count)) / varR);
            verifyBase = Math.max(1e-9, sumT / count - verifyPerRow * sumR / count);
        } else {
            // Every step so far verified the same number of rows: the slope is unknown, so assume
            // a row costs 5% of a step until steps of other sizes are seen.
            double avgT = sumT / count;
            if (verifyPerRow == 0) verifyPerRow = 0.05 * avgT;
            verifyBase = Math.max(1e-9, avgT - verifyPerRow * sumR / count);
        }
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

    public double acceptanceEstimate() { return alpha; }
}
