package dev.tessera.model.server;

import java.util.List;

/**
 * Cuts generated text before the first stop sequence. Text that could still grow into a stop
 * sequence is held back until the next piece settles it, so nothing of a stop sequence is ever
 * sent, even when it arrives split over several tokens.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    public boolean stopped() { return stopped; }

    /** Takes the next piece and returns the text now safe to send (possibly empty). */
    public String feed(String piece) {
        if (stopped) return "";
        held.append(piece);
        if (stops.isEmpty()) return drain(held.length());
        int first = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        if (first >= 0) {
            stopped = true;
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        return drain(held.length() - longestStopPrefixSuffix());
    }

    /** The text still held back, once generation ended without a stop sequence. */
    public String flush() {
        return stopped ? "" : drain(held.length());
    }

    /** Length of the longest suffix of the held text that is a proper prefix of a stop sequence. */
    private int longestStopPrefixSuffix() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, held.length()); len > best; len--) {
                if (endsWith(s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWith(String s, int len) {
        int off = held.length() - len;
        for (int i = 0; i < len; i++) {
            if (held.charAt(off + i) != s.charAt(i)) return false;
        }
        return true;
    }

    private String drain(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }
}
