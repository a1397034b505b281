package dev.tessera.model.hub;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** A one-line progress bar with rate and ETA, redrawn in place at most ten times a second. */
public final class ConsoleProgress implements DownloadProgress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR = 24;

    private final PrintStream out;
    private final AtomicLong done = new AtomicLong();
    private volatile String name = "";
    private volatile long total = -1;
    private volatile long already;
    private volatile long startNanos;
    private volatile long lastDraw;

    public ConsoleProgress(PrintStream out) { this.out = out; }

    @Override
    public void start(String n, long t, long a) {
        name = n;
        total = t;
        already = a;
        done.set(a);
        startNanos = System.nanoTime();
        lastDraw = 0;
    }

    @Override
    public void advance(long bytes) {
        long d = done.addAndGet(bytes);
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) return;
        synchronized (this) {
            if (now - lastDraw < REDRAW_NANOS) return;
            lastDraw = now;
            draw(d, now);
        }
    }

    @Override
    public synchronized void finish() {
        draw(done.get(), System.nanoTime());
        out.println();
        out.flush();
    }

    private void draw(long d, long now) {
        double secs = Math.max(1e-3, (now - startNanos) / 1e9);
        out.print("\r" + render(name, d, total, (d - already) / secs));
        out.flush();
    }

    /** The bar for {@code done} of {@code total} bytes (total -1: unknown) at {@code rate} bytes per second. */
    static String render(String name, long done, long total, double rate) {
        StringBuilder sb = new StringBuilder(name).append(' ');
        if (total > 0) {
            int pct = (int) Math.min(100, done * 100 / total);
            int filled = (int) Math.min(BAR, done * BAR / total);
            sb.append(String.format(Locale.ROOT, "%3d%% [", pct)).append("#".repeat(filled)).append(".".repeat(BAR - filled))
                    .append("] ").append(bytes(done)).append(" / ").append(bytes(total));
        } else {
            sb.append(bytes(done));
        }
        sb.append("  ").append(bytes((long) rate)).append("/s");
        if (total > 0 && rate > 0) sb.append("  ETA ").append(duration((long) Math.ceil((total - done) / rate)));
        return sb.toString();
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(long seconds) {
        long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
