package dev.tessera.model.hub;

/** Hears how a download goes; called from the downloading threads, so implementations must be thread-safe. */
public interface DownloadProgress {
    /** A transfer of {@code total} bytes (-1 if unknown) begins, {@code already} of them on disk from before. */
    void start(String name, long total, long already);

    /** {@code bytes} more arrived. */
    void advance(long bytes);

    /** The transfer ended (successfully or not). */
    void finish();

    DownloadProgress NONE = new DownloadProgress() {
        @Override public void start(String name, long total, long already) {}
        @Override public void advance(long bytes) {}
        @Override public void finish() {}
    };

    /** A progress bar on stderr when it is a console, else nothing. */
    static DownloadProgress forConsole() {
        return System.console() != null ? new ConsoleProgress(System.err) : NONE;
    }
}
