package dev.tessera.model.hub;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure pieces: address parsing, GGUF choice, environment, progress text. */
class HubPartsTest {
    @Test
    void parsesPullSpecsAndHubUris() {
        assertEquals(new RepoRef("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "main", "qwen2.5-0.5b-instruct-q4_k_m.gguf"),
                RepoRef.parsePullSpec("Qwen/Qwen2.5-0.5B-Instruct-GGUF:qwen2.5-0.5b-instruct-q4_k_m.gguf"));
        assertEquals(new RepoRef("a/b", "v1.0", "Q8_0"), RepoRef.parsePullSpec("a/b@v1.0:Q8_0"));
        assertEquals(new RepoRef("a/b", "main", null), RepoRef.parsePullSpec("a/b"));
        assertEquals(new RepoRef("a/b", "main", "sub/dir/m.gguf"), RepoRef.parseUri("hf://a/b/sub/dir/m.gguf"));
        assertEquals(new RepoRef("a/b", "dev", null), RepoRef.parseUri("hf://a/b@dev"));
        assertEquals("models--a--b", RepoRef.parseUri("hf://a/b").cacheFolderName());
        assertThrows(IllegalArgumentException.class, () -> RepoRef.parsePullSpec("justname"));
        assertThrows(IllegalArgumentException.class, () -> RepoRef.parseUri("hf://a/b/../../etc/passwd"));
        assertEquals(Path.of("plain.gguf"), HubPath.resolve("plain.gguf"));
    }

    @Test
    void choosesGgufFiles() {
        List<String> files = List.of("README.md", "m-Q4_K_M.gguf", "m-Q8_0.gguf", "m-Q4_K.gguf", "mmproj-m-f16.gguf",
                "big/m-F16-00001-of-00002.gguf", "big/m-F16-00002-of-00002.gguf");
        assertEquals("m-Q4_K_M.gguf", GgufChooser.choose("a/b", files, null));
        assertEquals("m-Q4_K.gguf", GgufChooser.choose("a/b", files, "q4_k"));
        assertEquals("big/m-F16-00001-of-00002.gguf", GgufChooser.choose("a/b", files, "F16"));
        assertEquals("only.gguf", GgufChooser.choose("a/b", List.of("only.gguf", "mmproj.gguf"), null));
        HubException none = assertThrows(HubException.class, () -> GgufChooser.choose("a/b", files, "IQ2_XS"));
        assertTrue(none.getMessage().contains("m-Q8_0.gguf"), none.getMessage());
        assertThrows(HubException.class, () -> GgufChooser.choose("a/b", List.of("x-Q8_0.gguf", "y-Q6_K.gguf"), null));
        assertThrows(HubException.class, () -> GgufChooser.choose("a/b", List.of("config.json"), null));
        assertEquals(List.of("d/x-00001-of-00003.gguf", "d/x-00002-of-00003.gguf", "d/x-00003-of-00003.gguf"),
                GgufChooser.shards("d/x-00002-of-00003.gguf"));
        assertEquals(List.of("x.gguf"), GgufChooser.shards("x.gguf"));
    }

    @Test
    void readsTheEnvironmentLikeHuggingfaceHub() {
        Path home = Path.of("/home/u");
        HubConfig d = HubConfig.fromEnvironment(Map.of(), home);
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), d.cacheDir());
        assertEquals("https://huggingface.co", d.endpoint().toString());
        assertFalse(d.offline());
        assertNull(d.token());
        HubConfig h = HubConfig.fromEnvironment(Map.of("HF_HOME", "/data/hf", "HF_ENDPOINT", "http://mirror:8080/", "HF_TOKEN", "t"), home);
        assertEquals(Path.of("/data/hf/hub"), h.cacheDir());
        assertEquals("http://mirror:8080", h.endpoint().toString());
        assertEquals("t", h.token());
        HubConfig c = HubConfig.fromEnvironment(Map.of("HF_HOME", "/data/hf", "HF_HUB_CACHE", "/fast/cache", "HF_HUB_OFFLINE", "true"), home);
        assertEquals(Path.of("/fast/cache"), c.cacheDir());
        assertTrue(c.offline());
    }

    @Test
    void backoffDoublesUpToItsCap() {
        var p = new HubConfig.RetryPolicy(6, java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(3));
        assertEquals(List.of(500L, 1000L, 2000L, 3000L, 3000L),
                java.util.stream.IntStream.rangeClosed(1, 5).mapToObj(i -> p.delayAfter(i).toMillis()).toList());
    }

    @Test
    void progressShowsPercentRateAndEta() {
        assertEquals("m.gguf  50% [############............] 512.0 MiB / 1.0 GiB  8.0 MiB/s  ETA 1:04",
                ConsoleProgress.render("m.gguf", 512L << 20, 1L << 30, 8 << 20));
        assertEquals("m.gguf 1.5 KiB  100 B/s", ConsoleProgress.render("m.gguf", 1536, -1, 100));
        assertEquals("1:01:01", ConsoleProgress.duration(3661));
    }

    @Test
    void normalizesEtags() {
        assertEquals("abc123", FileMetadata.normalizeEtag("W/\"ABC123\""));
        assertNull(FileMetadata.normalizeEtag("\"../../x\""));
        String sha = "a".repeat(64);
        assertEquals(sha, new FileMetadata("c", sha, 1, null).sha256());
        assertNull(new FileMetadata("c", "b".repeat(40), 1, null).sha256());
    }
}
