package dev.tessera.model.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tessera.model.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for the Hugging Face Hub: {@code /resolve/} answers with the Hub's headers
 * (X-Repo-Commit, X-Linked-Etag, X-Linked-Size) and redirects LFS files to a {@code /cdn/} path
 * that serves byte ranges; {@code /api/models/} lists files. Faults can be switched on to cut
 * transfers, answer 5xx or 416, refuse ranges, or corrupt content. Every request is logged.
 */
final class FakeHub implements AutoCloseable {
    record Entry(byte[] data, boolean lfs) {
        String sha256() {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static final class Repo {
        final String commit;
        final Map<String, Entry> files = new LinkedHashMap<>();
        boolean gated, privateRepo;

        Repo(String commit) { this.commit = commit; }
    }

    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /** "METHOD path:auth|none": whether each request carried an Authorization header. */
    final List<String> authLog = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger cutNextGets = new AtomicInteger();
    final AtomicInteger fail503 = new AtomicInteger();
    volatile boolean always416, noRanges, corrupt, noHashHeaders, treeApiMissing;
    volatile String acceptedToken = "hf_secret";
    /** Sent with the 503 answers when set. */
    volatile String retryAfter;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Repo repo(String name, String commit) {
        return repos.computeIfAbsent(name, k -> new Repo(commit));
    }

    /** The logged requests that start with {@code prefix}, e.g. "GET /cdn/". */
    List<String> requests(String prefix) {
        synchronized (log) {
            return log.stream().filter(s -> s.startsWith(prefix)).toList();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
            authLog.add(ex.getRequestMethod() + " " + path + (ex.getRequestHeaders().containsKey("Authorization") ? ":auth" : ":none"));
            ex.getRequestBody().readAllBytes();
            if (fail503.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                if (retryAfter != null) ex.getResponseHeaders().add("Retry-After", retryAfter);
                status(ex, 503, null);
                return;
            }
            if (path.startsWith("/cdn/")) cdn(ex, path.substring(5));
            else if (path.startsWith("/api/models/")) api(ex, path.substring("/api/models/".length()));
            else resolve(ex, path);
        }
    }

    private void status(HttpExchange ex, int code, String errorCode) throws IOException {
        if (errorCode != null) {
            ex.getResponseHeaders().add("X-Error-Code", errorCode);
            ex.getResponseHeaders().add("X-Error-Message", errorCode + " from the fake hub");
        }
        ex.sendResponseHeaders(code, -1);
    }

    private boolean authorized(HttpExchange ex) {
        return ("Bearer " + acceptedToken).equals(ex.getRequestHeaders().getFirst("Authorization"));
    }

    /** /{owner}/{name}/resolve/{rev}/{file...} */
    private void resolve(HttpExchange ex, String path) throws IOException {
        String[] p = path.substring(1).split("/", 5);
        if (p.length < 5 || !p[2].equals("resolve")) {
            status(ex, 404, null);
            return;
        }
        Repo repo = repos.get(p[0] + "/" + p[1]);
        if (repo == null) {
            status(ex, 404, "RepoNotFound");
            return;
        }
        if (repo.privateRepo && !authorized(ex)) {
            status(ex, 401, null);
            return;
        }
        if (repo.gated && !authorized(ex)) {
            status(ex, 403, "GatedRepo");
            return;
        }
        if (!p[3].equals("main") && !p[3].equals(repo.commit)) {
            status(ex, 404, "RevisionNotFound");
            return;
        }
        String file = java.net.URLDecoder.decode(p[4], StandardCharsets.UTF_8);
        Entry e = repo.files.get(file);
        if (e == null) {
            status(ex, 404, "EntryNotFound");
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", repo.commit);
        if (e.lfs) {
            if (!noHashHeaders) {
                h.add("X-Linked-Etag", "\"" + e.sha256() + "\"");
                h.add("X-Linked-Size", String.valueOf(e.data.length));
                h.add("ETag", "W/\"0123456789abcdef0123456789abcdef01234567\"");
            }
            h.add("Location", endpoint() + "/cdn/" + p[0] + "/" + p[1] + "/" + file);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        if (!noHashHeaders) h.add("ETag", "\"0123456789abcdef0123456789abcdef01234567\"");
        serve(ex, e.data);
    }

    private void cdn(HttpExchange ex, String rest) throws IOException {
        String[] p = rest.split("/", 3);
        Repo repo = p.length == 3 ? repos.get(p[0] + "/" + p[1]) : null;
        Entry e = repo == null ? null : repo.files.get(p[2]);
        if (e == null) {
            status(ex, 404, null);
            return;
        }
        byte[] data = e.data.clone();
        if (corrupt) data[data.length / 2] ^= 1;
        serve(ex, data);
    }

    private void serve(HttpExchange ex, byte[] data) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0, to = data.length; // [from, to)
        int code = 200;
        if (range != null && !noRanges) {
            if (always416) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                status(ex, 416, null);
                return;
            }
            String[] se = range.substring("bytes=".length()).split("-", -1);
            from = Integer.parseInt(se[0]);
            if (!se[1].isEmpty()) to = Math.min(data.length, Integer.parseInt(se[1]) + 1);
            if (from >= data.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                status(ex, 416, null);
                return;
            }
            code = 206;
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + data.length);
        }
        ex.getResponseHeaders().add("Accept-Ranges", "bytes");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", String.valueOf(to - from));
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, to - from);
        OutputStream out = ex.getResponseBody();
        if (cutNextGets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            // send half, then drop the connection mid-body
            out.write(data, from, (to - from) / 2);
            out.flush();
            throw new IOException("fake hub cut the transfer");
        }
        out.write(data, from, to - from);
    }

    /** /api/models/{owner}/{name}[/tree/{rev}] */
    private void api(HttpExchange ex, String rest) throws IOException {
        String[] p = rest.split("/", 4);
        Repo repo = p.length >= 2 ? repos.get(p[0] + "/" + p[1]) : null;
        if (repo == null) {
            status(ex, 404, "RepoNotFound");
            return;
        }
        Object body;
        if (p.length == 4 && p[2].equals("tree")) {
            if (treeApiMissing) {
                status(ex, 404, null);
                return;
            }
            List<Object> entries = new ArrayList<>();
            repo.files.forEach((name, e) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", "file");
                m.put("path", name);
                m.put("size", e.data.length);
                entries.add(m);
            });
            body = entries;
        } else {
            List<Object> siblings = new ArrayList<>();
            repo.files.keySet().forEach(n -> siblings.add(Map.of("rfilename", n)));
            body = Map.of("id", p[0] + "/" + p[1], "sha", repo.commit, "siblings", siblings);
        }
        byte[] b = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
    }
}
