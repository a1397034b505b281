package dev.tessera.model.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Where and how to reach the Hub: the endpoint ({@code HF_ENDPOINT}), the cache folder
 * ({@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}), the
 * token ({@code HF_TOKEN}, else the {@code $HF_HOME/token} file the {@code huggingface-cli login}
 * writes), offline mode ({@code HF_HUB_OFFLINE=1}), and the transfer tuning.
 *
 * @param token           bearer token, or null
 * @param parallelThreshold files at least this large are fetched in parallel ranges
 * @param connections     how many ranges are fetched at once
 */
public record HubConfig(URI endpoint, Path cacheDir, String token, boolean offline,
                        long parallelThreshold, int connections, RetryPolicy retry) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubConfig {
        String e = endpoint.toString();
        if (e.endsWith("/")) endpoint = URI.create(e.substring(0, e.length() - 1));
        if (connections < 1) throw new IllegalArgumentException("connections: expected at least 1, got " + connections);
        if (token != null && token.isBlank()) token = null;
    }

    /** The configuration the process environment describes. */
    public static HubConfig fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The configuration {@code env} describes, with {@code home} as the user's home folder. */
    public static HubConfig fromEnvironment(Map<String, String> env, Path home) {
        String endpoint = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME"))
                : env.containsKey("XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME"), "huggingface")
                : home.resolve(".cache").resolve("huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        String token = env.get("HF_TOKEN");
        if (token == null) token = readTokenFile(hfHome.resolve("token"));
        boolean offline = truthy(env.get("HF_HUB_OFFLINE"));
        return new HubConfig(URI.create(endpoint), cache, token, offline,
                64L << 20, 4, RetryPolicy.DEFAULT);
    }

    public HubConfig withOffline(boolean off) {
        return new HubConfig(endpoint, cacheDir, token, off, parallelThreshold, connections, retry);
    }

    public HubConfig withEndpoint(URI address) {
        return new HubConfig(address, cacheDir, token, offline, parallelThreshold, connections, retry);
    }

    public HubConfig withCacheDir(Path dir) {
        return new HubConfig(endpoint, dir, token, offline, parallelThreshold, connections, retry);
    }

    private static boolean truthy(String v) {
        return v != null && switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    private static String readTokenFile(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null; // an unreadable token file is the same as none: public repos still work
        }
    }

    /**
     * Bounded exponential backoff for 5xx answers and broken connections: attempt {@code k}
     * (from 1) waits {@code min(maxDelay, baseDelay * 2^(k-1))} before the next one.
     */
    public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
        public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(8));

        public RetryPolicy {
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts: expected at least 1");
        }

        public Duration delayAfter(int attempt) {
            long ms = baseDelay.toMillis() << Math.min(20, attempt - 1);
            return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
    }
}
