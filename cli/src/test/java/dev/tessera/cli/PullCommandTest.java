package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera pull} end to end against a loopback server that answers like the Hub's /resolve/. */
@Timeout(30)
class PullCommandTest {
    @TempDir Path cache;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pullsIntoTheCacheAndPrintsThePath() throws Exception {
        byte[] content = "GGUF fake weights".getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        HttpServer hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/acme/m/resolve/main/m.gguf", ex -> {
            try (ex) {
                ex.getResponseHeaders().add("X-Repo-Commit", "0123456789012345678901234567890123456789");
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(content.length));
                if (ex.getRequestMethod().equals("HEAD")) {
                    ex.sendResponseHeaders(200, -1);
                } else {
                    ex.sendResponseHeaders(200, content.length);
                    ex.getResponseBody().write(content);
                }
            }
        });
        hub.start();
        try {
            String endpoint = "http://127.0.0.1:" + hub.getAddress().getPort();
            Run ok = run("pull", "acme/m:m.gguf", "--endpoint", endpoint, "--cache-dir", cache.toString());
            assertEquals(0, ok.code(), ok.err());
            Path p = Path.of(ok.out().strip());
            assertEquals(cache.resolve("models--acme--m/snapshots/0123456789012345678901234567890123456789/m.gguf"), p);
            assertArrayEquals(content, Files.readAllBytes(p));

            Run missing = run("pull", "acme/m:other.gguf", "--endpoint", endpoint, "--cache-dir", cache.toString());
            assertEquals(2, missing.code());
            assertTrue(missing.err().startsWith("tessera: ") && missing.err().strip().lines().count() == 1, missing.err());
        } finally {
            hub.stop(0);
        }
        Run offline = run("pull", "acme/m:m.gguf", "--offline", "--cache-dir", cache.toString());
        assertEquals(0, offline.code(), offline.err());
        Run notCached = run("pull", "acme/other:x.gguf", "--offline", "--cache-dir", cache.toString());
        assertEquals(2, notCached.code());
        assertTrue(notCached.err().contains("offline"), notCached.err());
        Run bad = run("pull", "no-slash", "--offline", "--cache-dir", cache.toString());
        assertEquals(2, bad.code());
        assertEquals("tessera: repository 'no-slash': expected owner/name", bad.err().strip());
    }
}
