package dev.tessera.model.hub;

import dev.tessera.model.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fetches model files from the Hugging Face Hub into the shared Hugging Face cache and answers
 * with the path of the cached file. A file already in the cache is reused (online, one HEAD to
 * learn the current commit; offline or for a commit hash, no request at all).
 */
public final class HubClient {
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private final HubConfig config;
    private final HubCache cache;
    private final HubHttp http;
    private final DownloadProgress progress;
    private final Consumer<String> warnings;

    public HubClient(HubConfig config, DownloadProgress progress, Consumer<String> warnings) {
        this.config = config;
        this.cache = new HubCache(config.cacheDir());
        this.http = new HubHttp(config);
        this.progress = progress;
        this.warnings = warnings;
    }

    /** A client configured from the environment, with a console progress bar and warnings on stderr. */
    public static HubClient fromEnvironment() {
        return new HubClient(HubConfig.fromEnvironment(), DownloadProgress.forConsole(), w -> System.err.println("warning: " + w));
    }

    public HubConfig config() { return config; }

    /**
     * Fetches what {@code ref} names: its file, or the GGUF file its selector picks; for a split
     * GGUF, all shards. Returns the cached path of the file (the first shard of a split model).
     */
    public Path pull(RepoRef ref) {
        String file = ref.file();
        if (!ref.namesFile()) {
            // no file, a quantization tag, or a file without an extension: the listing decides
            List<String> files = listFiles(ref);
            if (file == null || !files.contains(file)) file = GgufChooser.choose(ref.repo(), files, file);
        }
        List<String> shards = GgufChooser.shards(file);
        Path first = null;
        for (String f : shards) {
            Path p = fetch(new RepoRef(ref.repo(), ref.revision(), f));
            if (first == null) first = p;
        }
        return first;
    }

    /** The files of the repository at {@code ref.revision()} (from the cache when offline). */
    public List<String> listFiles(RepoRef ref) {
        if (config.offline()) return cachedFiles(ref);
        URI tree = URI.create(config.endpoint() + "/api/models/" + ref.repo() + "/tree/" + encode(ref.revision()) + "?recursive=true");
        List<String> files = new ArrayList<>();
        URI next = tree;
        for (int page = 0; next != null && page < 1000; page++) {
            HttpResponse<String> r = http.sendWithRetry(http.request(next).GET().build(), HttpResponse.BodyHandlers.ofString(), false);
            if (r.statusCode() == 404 && page == 0 && r.headers().firstValue("X-Error-Code").isEmpty()) return listFromModelInfo(ref);
            if (r.statusCode() != 200) throw http.statusError(r, ref, "the file list of " + ref.repo());
            for (Object o : asList(Json.parse(r.body()), ref)) {
                if (o instanceof Map<?, ?> m && "file".equals(m.get("type")) && m.get("path") instanceof String p) files.add(p);
            }
            next = r.headers().firstValue("Link").map(NEXT_LINK::matcher).filter(Matcher::find).map(m -> URI.create(m.group(1))).orElse(null);
        }
        return files;
    }

    /** The older listing: {@code /api/models/{repo}[/revision/{rev}]} and its {@code siblings}. */
    private List<String> listFromModelInfo(RepoRef ref) {
        String suffix = ref.revision().equals(RepoRef.DEFAULT_REVISION) ? "" : "/revision/" + encode(ref.revision());
        URI info = URI.create(config.endpoint() + "/api/models/" + ref.repo() + suffix);
        HttpResponse<String> r = http.sendWithRetry(http.request(info).GET().build(), HttpResponse.BodyHandlers.ofString(), false);
        if (r.statusCode() != 200) throw http.statusError(r, ref, "the file list of " + ref.repo());
        Object siblings = Json.parseObject(r.body()).get("siblings");
        List<String> files = new ArrayList<>();
        for (Object o : asList(siblings, ref)) {
            if (o instanceof Map<?, ?> m && m.get("rfilename") instanceof String p) files.add(p);
        }
        return files;
    }

    private static List<?> asList(Object json, RepoRef ref) {
        if (json instanceof List<?> l) return l;
        throw new HubException("the Hub's file list for " + ref.repo() + " is not a JSON array");
    }

    private List<String> cachedFiles(RepoRef ref) {
        String commit = cache.commitOf(ref).orElseThrow(() -> notCached(ref));
        Path dir = cache.snapshotDir(ref, commit);
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fetches one named file (no choosing, no shards) and returns its cached path. */
    public Path fetch(RepoRef ref) {
        if (ref.file() == null) throw new IllegalArgumentException(ref + ": no file named");
        // A commit hash names fixed content: a cached copy needs no request.
        if (HubCache.isCommitHash(ref.revision())) {
            Path p = cache.snapshotFile(ref, ref.revision(), ref.file());
            if (Files.exists(p)) return p;
        }
        if (config.offline()) return cached(ref).orElseThrow(() -> notCached(ref));
        FileMetadata meta;
        try {
            meta = head(ref);
        } catch (HubException e) {
            if (!(e.getCause() instanceof IOException)) throw e;
            Optional<Path> c = cached(ref);
            if (c.isEmpty()) throw e;
            warnings.accept("cannot reach " + config.endpoint() + " (" + HubHttp.describe(e.getCause()) + "); using the cached " + ref);
            return c.get();
        }
        try {
            return store(ref, meta);
        } catch (IOException e) {
            throw new HubException("cannot write " + ref + " into the cache " + config.cacheDir() + ": " + HubHttp.describe(e), e);
        }
    }

    private HubException notCached(RepoRef ref) {
        return new HubException(ref + " is not in the cache " + config.cacheDir() + " and offline mode is on (--offline or HF_HUB_OFFLINE=1)");
    }

    private Optional<Path> cached(RepoRef ref) {
        return cache.commitOf(ref).map(c -> cache.snapshotFile(ref, c, ref.file())).filter(Files::exists);
    }

    private URI resolveUri(RepoRef ref) {
        StringBuilder sb = new StringBuilder(config.endpoint().toString()).append('/').append(ref.repo())
                .append("/resolve/").append(encode(ref.revision()));
        for (String seg : ref.file().split("/")) sb.append('/').append(encode(seg));
        return URI.create(sb.toString());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private FileMetadata head(RepoRef ref) {
        URI uri = resolveUri(ref);
        HttpRequest req = http.request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<Void> r = http.sendWithRetry(req, HttpResponse.BodyHandlers.discarding(), true);
        int s = r.statusCode();
        boolean redirect = s >= 300 && s < 400;
        if (!(s >= 200 && s < 300) && !redirect) throw http.statusError(r, ref, ref.toString());
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        String etag = FileMetadata.normalizeEtag(r.headers().firstValue("X-Linked-Etag").orElse(r.headers().firstValue("ETag").orElse(null)));
        String sizeHeader = r.headers().firstValue("X-Linked-Size").orElse(redirect ? null : r.headers().firstValue("Content-Length").orElse(null));
        long size = -1;
        try {
            if (sizeHeader != null) size = Long.parseLong(sizeHeader.trim());
        } catch (NumberFormatException e) {
            throw new HubException("the Hub sent a bad size '" + sizeHeader + "' for " + ref);
        }
        URI location = redirect ? uri.resolve(r.headers().firstValue("Location").orElseThrow()) : uri;
        return new FileMetadata(commit, etag, size, location);
    }

    @SuppressWarnings("try") // the lock is held for the block's duration, not used in it
    private Path store(RepoRef ref, FileMetadata meta) throws IOException {
        String commit = meta.commit() != null ? meta.commit() : ref.revision();
        if (meta.commit() != null) {
            Path pointer = cache.snapshotFile(ref, commit, ref.file());
            if (Files.exists(pointer)) {
                cache.writeRef(ref, commit);
                return pointer;
            }
        }
        if (meta.etag() != null && Files.exists(cache.blob(ref, meta.etag()))) {
            cache.writeRef(ref, commit);
            return cache.link(ref, commit, ref.file(), meta.etag());
        }
        String tmpName = meta.etag() != null ? meta.etag() : "tmp-" + sha256Hex((ref.repo() + "/" + commit + "/" + ref.file()).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
        Path lock = cache.lockFile(ref, tmpName);
        Files.createDirectories(lock.getParent());
        Files.createDirectories(cache.blob(ref, tmpName).getParent());
        try (FileChannel lockChannel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            String etag = meta.etag() != null && Files.exists(cache.blob(ref, meta.etag())) ? meta.etag() : download(ref, meta, tmpName);
            cache.writeRef(ref, commit);
            return cache.link(ref, commit, ref.file(), etag);
        }
    }

    /** Downloads into blobs/{tmpName}.incomplete, checks size and hash, and moves it to its blob name. */
    private String download(RepoRef ref, FileMetadata meta, String tmpName) throws IOException {
        Path incomplete = cache.blob(ref, tmpName + ".incomplete");
        new Transfer(http, ref, progress).run(meta.location(), incomplete, meta.size());
        long got = Files.size(incomplete);
        if (meta.size() >= 0 && got != meta.size()) {
            Files.delete(incomplete);
            throw new HubException("size mismatch for " + ref + ": expected " + meta.size() + " bytes, got " + got + "; the download was discarded");
        }
        String actual = sha256Hex(incomplete);
        String expected = meta.sha256();
        if (expected != null && !expected.equals(actual)) {
            Files.delete(incomplete);
            throw new HubException("sha256 mismatch for " + ref + ": expected " + expected + ", got " + actual + "; the download was discarded");
        }
        if (expected == null) warnings.accept("the server sent no sha256 for " + ref + "; kept without verification (sha256 " + actual + ")");
        String blobName = meta.etag() != null ? meta.etag() : actual;
        Files.move(incomplete, cache.blob(ref, blobName), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return blobName;
    }

    static String sha256Hex(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
