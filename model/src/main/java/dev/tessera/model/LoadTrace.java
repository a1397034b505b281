package dev.tessera.model;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Start-up timing lines on stderr when {@code -Dtessera.trace.load=true}: each mark prints the time
 * since the process started (as the OS reports it) and since the previous mark, so the cost of
 * JVM start, relaunch, model parsing, weight repacking, tokenizer and first forward pass can be read
 * off one run. Off by default, and then free.
 */
public final class LoadTrace {
    public static final boolean ON = Boolean.getBoolean("tessera.trace.load");
    private static final PrintStream OUT = System.err;
    private static final long START_NANOS = System.nanoTime();
    private static final long JVM_MS = processAgeMillis();
    private static long last = START_NANOS;

    private LoadTrace() {}

    /** Prints one line for {@code what}, finished now. */
    public static synchronized void mark(String what) {
        if (!ON) return;
        long now = System.nanoTime();
        OUT.printf(Locale.ROOT, "trace: %8.1f ms since process start  %+8.1f ms  %s%n",
                JVM_MS + (now - START_NANOS) / 1e6, (now - last) / 1e6, what);
        last = now;
    }

    /** Prints one line with a duration measured elsewhere (not a mark: the reference point stays). */
    public static synchronized void note(String what, long nanos) {
        if (!ON) return;
        OUT.printf(Locale.ROOT, "trace: %8.1f ms  %s%n", nanos / 1e6, what);
    }

    /**
     * From /proc (10 ms resolution): system uptime minus the process's start time in clock ticks
     * (USER_HZ, 100 on Linux). {@code ProcessHandle.info().startInstant()} is no use here: it is
     * anchored to the boot time in whole seconds. 0 where /proc is missing.
     */
    private static long processAgeMillis() {
        if (!ON) return 0;
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(f[19]);
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            return Math.round(uptime * 1000 - startTicks * 10);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
