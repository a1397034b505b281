package dev.tessera.model.server;

import java.time.Duration;

/**
 * How the server listens and what it allows.
 *
 * @param apiKey        the bearer key every request but /health must carry, or null for none
 * @param maxBodyBytes  larger request bodies get 413
 * @param maxTokens     the most tokens one request may generate (also the default for requests
 *                      that give no max_tokens, when the context leaves room for it)
 * @param parallel      how many generations run at once; the others wait in the queue
 * @param maxQueue      how many requests may wait; more get 503
 * @param drainTimeout  how long a stream whose generation has finished may go without the client reading
 *                      any of the rest before it is cut
 */
public record ServerConfig(String host, int port, String apiKey, int maxBodyBytes, int maxTokens, int parallel,
                           int maxQueue, Duration drainTimeout) {
    public ServerConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port: expected 0..65535, got " + port);
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes: expected at least 1");
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens: expected at least 1, got " + maxTokens);
        if (parallel < 1) throw new IllegalArgumentException("--parallel: expected at least 1, got " + parallel);
        if (maxQueue < 0) throw new IllegalArgumentException("--max-queue: expected at least 0, got " + maxQueue);
    }

    public static ServerConfig defaults(String host, int port, String apiKey) {
        return new ServerConfig(host, port, apiKey, 4 << 20, 4096, 1, 64, Duration.ofSeconds(60));
    }

    public ServerConfig withLimits(int bodyBytes, int tokens, int par, int queue) {
        return new ServerConfig(host, port, apiKey, bodyBytes, tokens, par, queue, drainTimeout);
    }
}
