package dev.tessera.model.hub;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HubClientTest {
    private static final String COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    private static final HubConfig.RetryPolicy FAST = new HubConfig.RetryPolicy(4, Duration.ofMillis(5), Duration.ofMillis(20));

    @TempDir Path cacheDir;
    FakeHub hub;
    byte[] model;
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        model = new byte[200_000];
        new Random(42).nextBytes(model);
        FakeHub.Repo r = hub.repo("acme/tiny-GGUF", COMMIT);
        r.files.put("tiny-q4_k_m.gguf", new FakeHub.Entry(model, true));
        r.files.put("tiny-q8_0.gguf", new FakeHub.Entry(new byte[] {1, 2, 3, 4}, true));
        r.files.put("README.md", new FakeHub.Entry("# tiny\n".getBytes(StandardCharsets.UTF_8), false));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubConfig config(String token) {
        return new HubConfig(hub.endpoint(), cacheDir, token, false, Long.MAX_VALUE, 1, FAST);
    }

    private HubClient client(HubConfig cfg) {
        return new HubClient(cfg, DownloadProgress.NONE, warnings::add);
    }

    private HubClient client() {
        return client(config(null));
    }

    private static RepoRef ref(String file) {
        return new RepoRef("acme/tiny-GGUF", "main", file);
    }

    private Path repoDir() {
        return cacheDir.resolve("models--acme--tiny-GGUF");
    }

    private String sha(byte[] b) {
        return new FakeHub.Entry(b, true).sha256();
    }

    @Test
    void pullFollowsTheCdnRedirectAndWritesTheHuggingFaceCacheLayout() throws IOException {
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        assertEquals(repoDir().resolve("snapshots").resolve(COMMIT).resolve("tiny-q4_k_m.gguf"), p);
        assertTrue(Files.isSymbolicLink(p));
        assertEquals(Path.of("../../blobs/" + sha(model)), Files.readSymbolicLink(p));
        assertArrayEquals(model, Files.readAllBytes(p));
        assertEquals(COMMIT, Files.readString(repoDir().resolve("refs/main")));
        assertEquals(List.of("HEAD /acme/tiny-GGUF/resolve/main/tiny-q4_k_m.gguf", "GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf"), hub.log);
        assertTrue(warnings.isEmpty(), warnings.toString());
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            assertEquals(List.of(sha(model)), s.map(f -> f.getFileName().toString()).toList(), "no .incomplete left");
        }
    }

    @Test
    void secondPullReusesTheCacheWithoutFetchingContent() {
        Path first = client().pull(ref("tiny-q4_k_m.gguf"));
        Path second = client().pull(ref("tiny-q4_k_m.gguf"));
        assertEquals(first, second);
        assertEquals(1, hub.requests("GET ").size(), hub.log.toString());
        // with the commit hash as revision, a cached file needs no request at all
        hub.log.clear();
        assertEquals(first, client().pull(new RepoRef("acme/tiny-GGUF", COMMIT, "tiny-q4_k_m.gguf")));
        assertEquals(List.of(), hub.log);
    }

    @Test
    void reusesABlobAnotherToolPutInTheCache() throws IOException {
        // the layout huggingface_hub writes: blob named by sha256, snapshot symlink, refs/main
        Path blob = repoDir().resolve("blobs").resolve(sha(model));
        Files.createDirectories(blob.getParent());
        Files.write(blob, model);
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        assertEquals(List.of(), hub.requests("GET "), "the blob was there; no content transfer");
        assertArrayEquals(model, Files.readAllBytes(p));
    }

    @Test
    void resumesAfterAnInterruptedTransfer() throws IOException {
        hub.cutNextGets.set(1);
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
        List<String> gets = hub.requests("GET /cdn/");
        assertEquals(2, gets.size(), gets.toString());
        assertTrue(gets.get(1).matches(".* bytes=\\d+-199999"), gets.toString());
        long resumedAt = Long.parseLong(gets.get(1).replaceAll(".*bytes=(\\d+)-.*", "$1"));
        assertTrue(resumedAt > 0 && resumedAt < model.length, gets.toString());
    }

    @Test
    void resumesAnIncompleteFileLeftByAnEarlierRun() throws IOException {
        Path incomplete = repoDir().resolve("blobs").resolve(sha(model) + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Files.write(incomplete, java.util.Arrays.copyOf(model, 123_457));
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
        assertEquals(List.of("GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf bytes=123457-199999"), hub.requests("GET "));
        assertFalse(Files.exists(incomplete));
    }

    @Test
    void aStaleIncompleteFileRefusedWith416IsRestartedFromZero() throws IOException {
        Path incomplete = repoDir().resolve("blobs").resolve(sha(model) + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Files.write(incomplete, new byte[1000]);
        hub.always416 = true;
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
        assertEquals(List.of("GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf bytes=1000-199999", "GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf"),
                hub.requests("GET "));
    }

    @Test
    void largeFilesComeInParallelRanges() throws IOException {
        HubConfig cfg = new HubConfig(hub.endpoint(), cacheDir, null, false, 100_000, 4, FAST);
        Path p = client(cfg).pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
        List<String> gets = hub.requests("GET /cdn/").stream().sorted().toList();
        assertEquals(List.of(" bytes=0-49999", " bytes=100000-149999", " bytes=150000-199999", " bytes=50000-99999"),
                gets.stream().map(s -> s.substring(s.indexOf(' ', 4))).toList());
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            assertEquals(1, s.count(), "parts removed");
        }
    }

    @Test
    void parallelRangesResumeEachPartAndSurviveCuts() throws IOException {
        HubConfig cfg = new HubConfig(hub.endpoint(), cacheDir, null, false, 100_000, 4, FAST);
        Path part2 = Transfer.partPath(repoDir().resolve("blobs").resolve(sha(model) + ".incomplete"), 2);
        Files.createDirectories(part2.getParent());
        Files.write(part2, java.util.Arrays.copyOfRange(model, 100_000, 110_000));
        hub.cutNextGets.set(2);
        Path p = client(cfg).pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
        assertTrue(hub.requests("GET /cdn/").contains("GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf bytes=110000-149999"), hub.log.toString());
    }

    @Test
    void fallsBackToOneStreamWhenRangesAreNotHonoured() throws IOException {
        hub.noRanges = true;
        HubConfig cfg = new HubConfig(hub.endpoint(), cacheDir, null, false, 100_000, 4, FAST);
        Path p = client(cfg).pull(ref("tiny-q4_k_m.gguf"));
        assertArrayEquals(model, Files.readAllBytes(p));
    }

    @Test
    void aHashMismatchIsRejectedAndNothingIsLeftAsTheFinalFile() throws IOException {
        hub.corrupt = true;
        HubException e = assertThrows(HubException.class, () -> client().pull(ref("tiny-q4_k_m.gguf")));
        assertTrue(e.getMessage().contains("sha256 mismatch") && e.getMessage().contains(sha(model)), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(COMMIT).resolve("tiny-q4_k_m.gguf")));
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void offlineModeUsesTheCacheAndNeverTheNetwork() throws IOException {
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        hub.log.clear();
        HubClient offline = client(config(null).withOffline(true));
        assertEquals(p, offline.pull(ref("tiny-q4_k_m.gguf")));
        assertEquals(p, offline.pull(ref(null)), "choosing among cached GGUF files");
        assertEquals(List.of(), hub.log);
        HubException e = assertThrows(HubException.class, () -> offline.pull(ref("tiny-q8_0.gguf")));
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
        HubConfig fromEnv = HubConfig.fromEnvironment(java.util.Map.of("HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cacheDir.toString()), cacheDir);
        assertTrue(fromEnv.offline());
    }

    @Test
    void anUnreachableHubFallsBackToTheCachedCopyWithAWarning() {
        Path p = client().pull(ref("tiny-q4_k_m.gguf"));
        HubConfig cfg = config(null);
        hub.close();
        assertEquals(p, client(cfg).pull(ref("tiny-q4_k_m.gguf")));
        assertEquals(1, warnings.size(), warnings.toString());
    }

    @Test
    void choosesTheGgufFileFromTheRepositoryListing() throws IOException {
        Path p = client().pull(ref(null));
        assertEquals("tiny-q4_k_m.gguf", p.getFileName().toString(), "the default Q4_K_M among two");
        Path q8 = client().pull(ref("Q8_0"));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(q8));
        assertTrue(hub.requests("GET /api/models/acme/tiny-GGUF/tree/main").size() >= 1, hub.log.toString());
        hub.treeApiMissing = true;
        hub.log.clear();
        assertEquals(q8, client().pull(ref("q8_0")));
        assertTrue(hub.log.contains("GET /api/models/acme/tiny-GGUF"), hub.log.toString());
    }

    @Test
    void aSplitModelComesWithAllItsShards() throws IOException {
        FakeHub.Repo r = hub.repo("acme/big-GGUF", COMMIT);
        r.files.put("q8/big-Q8_0-00001-of-00002.gguf", new FakeHub.Entry(new byte[] {1}, true));
        r.files.put("q8/big-Q8_0-00002-of-00002.gguf", new FakeHub.Entry(new byte[] {2}, true));
        Path first = client().pull(new RepoRef("acme/big-GGUF", "main", null));
        assertEquals("big-Q8_0-00001-of-00002.gguf", first.getFileName().toString());
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(first.resolveSibling("big-Q8_0-00002-of-00002.gguf")));
    }

    @Test
    void hfAddressesResolveToTheCachedFile() throws IOException {
        Path p = HubPath.resolve("hf://acme/tiny-GGUF/tiny-q8_0.gguf", client());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(p));
        assertEquals(p, HubPath.resolve("hf://acme/tiny-GGUF@" + COMMIT + "/tiny-q8_0.gguf", client()));
    }

    @Test
    void keepsAFileWithoutHashHeadersWithAWarning() throws IOException {
        hub.noHashHeaders = true;
        Path p = client().pull(ref("README.md"));
        assertEquals("# tiny\n", Files.readString(p));
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("no sha256"), warnings.getFirst());
    }

    @Test
    void aFileWithoutAnExtensionIsNotMistakenForATag() throws IOException {
        hub.repos.get("acme/tiny-GGUF").files.put("LICENSE", new FakeHub.Entry("MIT\n".getBytes(StandardCharsets.UTF_8), false));
        assertEquals("MIT\n", Files.readString(client().pull(ref("LICENSE"))));
    }

    @Test
    void smallNonLfsFilesComeStraightFromResolve() throws IOException {
        Path p = client().pull(ref("README.md"));
        assertEquals("# tiny\n", Files.readString(p));
        assertEquals(List.of("GET /acme/tiny-GGUF/resolve/main/README.md"), hub.requests("GET "));
    }

    @Test
    void privateAndGatedRepositoriesNeedTheToken() throws IOException {
        hub.repos.get("acme/tiny-GGUF").privateRepo = true;
        HubException e401 = assertThrows(HubException.class, () -> client().pull(ref("README.md")));
        assertTrue(e401.getMessage().contains("401") && e401.getMessage().contains("HF_TOKEN"), e401.getMessage());
        HubException wrong = assertThrows(HubException.class, () -> client(config("hf_wrong")).pull(ref("README.md")));
        assertTrue(wrong.getMessage().contains("refused"), wrong.getMessage());
        assertEquals("# tiny\n", Files.readString(client(config("hf_secret")).pull(ref("README.md"))));

        hub.repos.get("acme/tiny-GGUF").privateRepo = false;
        hub.repos.get("acme/tiny-GGUF").gated = true;
        HubException e403 = assertThrows(HubException.class, () -> client().pull(ref("tiny-q8_0.gguf")));
        assertTrue(e403.getMessage().contains("gated") && e403.getMessage().contains("HF_TOKEN"), e403.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(client(config("hf_secret")).pull(ref("tiny-q8_0.gguf"))));
    }

    @Test
    void missingRepositoriesFilesAndRevisionsAreNamed() {
        HubException repo = assertThrows(HubException.class, () -> client().pull(new RepoRef("acme/nothing", "main", "x.gguf")));
        assertTrue(repo.getMessage().contains("repository acme/nothing not found"), repo.getMessage());
        HubException file = assertThrows(HubException.class, () -> client().pull(ref("missing.gguf")));
        assertTrue(file.getMessage().contains("file missing.gguf not found"), file.getMessage());
        HubException rev = assertThrows(HubException.class, () -> client().pull(new RepoRef("acme/tiny-GGUF", "v9", "README.md")));
        assertTrue(rev.getMessage().contains("revision v9 not found"), rev.getMessage());
    }

    @Test
    void serverErrorsAreRetriedWithBackoffAndThenReported() throws IOException {
        hub.fail503.set(2);
        assertArrayEquals(model, Files.readAllBytes(client().pull(ref("tiny-q4_k_m.gguf"))));
        assertEquals(2 + 2, hub.log.size(), hub.log.toString());

        hub.fail503.set(1000);
        long t0 = System.nanoTime();
        HubException e = assertThrows(HubException.class, () -> client().pull(ref("tiny-q8_0.gguf")));
        assertTrue(e.getMessage().contains("503") && e.getMessage().contains("4 attempts"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "bounded");
    }

    @Test
    void retryAfterIsHonouredUpToTheCap() {
        hub.fail503.set(1);
        hub.retryAfter = "1";
        HubConfig cfg = new HubConfig(hub.endpoint(), cacheDir, null, false, Long.MAX_VALUE, 1,
                new HubConfig.RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        client(cfg).pull(ref("tiny-q8_0.gguf"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300, "waited " + ms + " ms: Retry-After 1 s capped at 300 ms, not the 1 ms backoff");
    }

    @Test
    void a416ThatPersistsIsReportedOnOneLine() throws IOException {
        Path incomplete = repoDir().resolve("blobs").resolve(sha(model) + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Files.write(incomplete, new byte[10]);
        hub.always416 = true;
        hub.noRanges = false;
        HubConfig cfg = new HubConfig(hub.endpoint(), cacheDir, null, false, 1000, 2, FAST);
        HubException e = assertThrows(HubException.class, () -> client(cfg).pull(ref("tiny-q4_k_m.gguf")));
        assertTrue(e.getMessage().contains("416"), e.getMessage());
    }

    @Test
    void theTokenIsNotSentToAnotherHost() {
        // the CDN redirect points at 127.0.0.1 while the endpoint is named localhost: a different origin
        hub.repos.get("acme/tiny-GGUF").gated = true;
        HubConfig cfg = new HubConfig(java.net.URI.create("http://localhost:" + hub.endpoint().getPort()), cacheDir, "hf_secret", false,
                Long.MAX_VALUE, 1, FAST);
        client(cfg).pull(ref("tiny-q4_k_m.gguf"));
        assertEquals(List.of("HEAD /acme/tiny-GGUF/resolve/main/tiny-q4_k_m.gguf:auth", "GET /cdn/acme/tiny-GGUF/tiny-q4_k_m.gguf:none"),
                hub.authLog);
    }
}
