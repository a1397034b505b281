package dev.tessera.model;

import java.util.List;

/**
 * Holds back streamed text that might be the start of a stop string, so a stop string is never
 * printed even when it arrives split across tokens.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds text; returns what is safe to print now. After a stop string, {@link #stopped()} is true. */
    public String push(String text) {
        if (stopped) return "";
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int keep = 0;
        for (String s : stops) keep = Math.max(keep, overlap(s));
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** What is still held back (at the end of generation it is printed). */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    public boolean stopped() { return stopped; }

    /** Longest suffix of the pending text that is a proper prefix of {@code stop}. */
    private int overlap(String stop) {
        String p = pending.toString();
        int max = Math.min(stop.length() - 1, p.length());
        for (int k = max; k > 0; k--) {
            if (p.regionMatches(p.length() - k, stop, 0, k)) return k;
        }
        return 0;
    }
}
