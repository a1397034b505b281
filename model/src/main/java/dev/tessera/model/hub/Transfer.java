package dev.tessera.model.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Moves one file's bytes from a URL into {@code target} (an {@code .incomplete} file), resuming
 * whatever an earlier, interrupted run left there with {@code Range} requests. Large files are
 * fetched as several ranges at once, each into its own {@code .incomplete.partN} file so that
 * every range resumes on its own; the parts are joined when all are complete.
 */
final class Transfer {
    private static final int BUFFER = 1 << 16;

    private final HubHttp http;
    private final RepoRef ref;
    private final DownloadProgress progress;

    Transfer(HubHttp http, RepoRef ref, DownloadProgress progress) {
        this.http = http;
        this.ref = ref;
        this.progress = progress;
    }

    /** The server sent the whole file where a range was asked for. */
    private static final class RangesUnsupported extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /** Fills {@code target} with the {@code size} bytes (-1: unknown) at {@code url}. */
    void run(URI url, Path target, long size) throws IOException {
        HubConfig cfg = http.config();
        if (size >= cfg.parallelThreshold() && cfg.connections() > 1) {
            try {
                parallel(url, target, size, cfg.connections());
                return;
            } catch (RangesUnsupported e) {
                deleteParts(target, cfg.connections());
            }
        }
        sequential(url, target, size);
    }

    private void sequential(URI url, Path target, long size) throws IOException {
        long have = Files.exists(target) ? Files.size(target) : 0;
        if (size >= 0 && have > size) {
            Files.delete(target);
            have = 0;
        }
        progress.start(ref.file(), size, have);
        try {
            fetchRange(url, target, 0, size, false, true);
        } finally {
            progress.finish();
        }
    }

    private void parallel(URI url, Path target, long size, int connections) throws IOException {
        long chunk = (size + connections - 1) / connections;
        List<Path> parts = new ArrayList<>();
        long have = 0;
        for (int i = 0; i < connections; i++) {
            Path p = partPath(target, i);
            parts.add(p);
            long len = Math.max(0, Math.min(size, (i + 1) * chunk) - i * chunk);
            if (Files.exists(p) && Files.size(p) > len) Files.delete(p);
            if (Files.exists(p)) have += Files.size(p);
        }
        progress.start(ref.file(), size, have);
        try (ExecutorService pool = Executors.newFixedThreadPool(connections, Thread.ofPlatform().daemon().name("hub-range-", 0).factory())) {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                long start = i * chunk, end = Math.min(size, start + chunk);
                Path part = parts.get(i);
                if (start >= end) continue;
                futures.add(pool.submit(() -> {
                    fetchRange(url, part, start, end, true, false);
                    return null;
                }));
            }
            try {
                for (Future<Void> f : futures) f.get();
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                switch (e.getCause()) {
                    case IOException io -> throw io;
                    case RuntimeException re -> throw re;
                    default -> throw new HubException("download of " + ref + " failed: " + HubHttp.describe(e.getCause()), e.getCause());
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new HubException("interrupted while downloading " + ref);
            }
        } finally {
            progress.finish();
        }
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Path p : parts) {
                if (!Files.exists(p)) continue;
                try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
                    long pos = 0, n = in.size();
                    while (pos < n) pos += in.transferTo(pos, n - pos, out);
                }
            }
        }
        for (Path p : parts) Files.deleteIfExists(p);
    }

    static Path partPath(Path target, int i) {
        return target.resolveSibling(target.getFileName() + ".part" + i);
    }

    static void deleteParts(Path target, int connections) {
        for (int i = 0; i < connections; i++) {
            try {
                Files.deleteIfExists(partPath(target, i));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Appends bytes {@code [start + size(file), end)} of {@code url} to {@code file} (end -1:
     * to the end of the resource), retrying broken transfers from where they stopped. With
     * {@code mustBeRange} a 200 answer (the whole file) is {@link RangesUnsupported}; without
     * it, the file restarts from zero. {@code mayRestart}: a 416 to a resume restarts once from zero.
     */
    private void fetchRange(URI url, Path file, long start, long end, boolean mustBeRange, boolean mayRestart) throws IOException {
        HubConfig.RetryPolicy policy = http.config().retry();
        int attempt = 0;
        boolean restarted = false;
        while (true) {
            long have = Files.exists(file) ? Files.size(file) : 0;
            long from = start + have;
            if (end >= 0 && from >= end) return;
            HttpRequest.Builder b = http.request(url).GET();
            if (from > 0 || mustBeRange) b.header("Range", "bytes=" + from + "-" + (end >= 0 ? String.valueOf(end - 1) : ""));
            HttpResponse<InputStream> r = null;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), false);
                int s = r.statusCode();
                boolean append;
                if (s == 206) {
                    long got = contentRangeStart(r);
                    if (got != from) throw new HubException("server sent bytes from " + got + " when asked from " + from + " for " + ref);
                    append = true;
                } else if (s == 200) {
                    if (mustBeRange) throw new RangesUnsupported();
                    if (have > 0) progress.advance(-have);
                    append = false;
                } else if (s == 416 && mayRestart && !restarted && have > 0) {
                    // the partial file no longer matches the resource: start over once
                    HubHttp.closeQuietly(r);
                    Files.delete(file);
                    progress.advance(-have);
                    restarted = true;
                    continue;
                } else if (HubHttp.retryable(s)) {
                    HubHttp.closeQuietly(r);
                    if (++attempt >= policy.maxAttempts()) throw http.statusError(r, ref, ref.toString());
                    HubHttp.sleep(HubHttp.retryDelay(r, policy, attempt));
                    continue;
                } else {
                    HubHttp.closeQuietly(r);
                    throw http.statusError(r, ref, ref.toString());
                }
                copy(r.body(), file, append);
                long now = Files.size(file);
                if (end >= 0 && start + now < end) throw new IOException("connection closed after " + (start + now) + " of " + end + " bytes");
                return;
            } catch (RangesUnsupported e) {
                HubHttp.closeQuietly(r);
                throw e;
            } catch (IOException e) {
                if (r != null) HubHttp.closeQuietly(r);
                if (Thread.currentThread().isInterrupted()) throw new HubException("interrupted while downloading " + ref);
                if (++attempt >= policy.maxAttempts())
                    throw new HubException("download of " + ref + " failed after " + attempt + " attempts: " + HubHttp.describe(e), e);
                HubHttp.sleep(policy.delayAfter(attempt));
            }
        }
    }

    private void copy(InputStream in, Path file, boolean append) throws IOException {
        StandardOpenOption mode = append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (in; FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buf = new byte[BUFFER];
            ByteBuffer bb = ByteBuffer.wrap(buf);
            int n;
            while ((n = in.read(buf)) > 0) {
                bb.clear().limit(n);
                while (bb.hasRemaining()) out.write(bb);
                progress.advance(n);
            }
        }
    }

    private static long contentRangeStart(HttpResponse<?> r) {
        // "bytes START-END/TOTAL"
        String cr = r.headers().firstValue("Content-Range").orElse("");
        if (!cr.startsWith("bytes ")) return -1;
        int dash = cr.indexOf('-');
        try {
            return dash < 0 ? -1 : Long.parseLong(cr.substring(6, dash).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
