package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(60)
class ServeCommandTest {
    @Test
    void servesAModelUntilStopped() throws Exception {
        String shared = System.getProperty("tessera.shared");
        assumeTrue(shared != null, "tessera.shared is not set: skipping");
        Path model = Path.of(shared, "test-models/gguf/stories260K.gguf");
        assumeTrue(Files.exists(model), model + " is absent: skipping");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ServeCommand cmd = new ServeCommand(new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandLine cl = new CommandLine(cmd);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("-m", model.toString(), "--port", "0",
                "--api-key", "k1", "--ctx", "256", "--chat-template", "chatml"));
        Matcher m = null;
        for (int i = 0; i < 300 && (m == null || !m.find()); i++) {
            Thread.sleep(20);
            m = Pattern.compile("on http://127.0.0.1:(\\d+)").matcher(err.toString(StandardCharsets.UTF_8));
        }
        assertTrue(m.find(0), err.toString(StandardCharsets.UTF_8));
        int port = Integer.parseInt(m.group(1));
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                    .header("Authorization", "Bearer k1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"text\":\", there was a little girl"), r.body());
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("Authorization", "Bearer k1")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}],"
                            + "\"max_tokens\":5,\"stream\":true}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("\"object\":\"chat.completion.chunk\"") && chat.body().endsWith("data: [DONE]\n\n"), chat.body());
        }
        cmd.stop();
        assertEquals(0, exit.get());
    }

    @Test
    void aMissingModelIsOneLineAndExitCode2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Main.run(InputStream.nullInputStream(), System.out, new PrintStream(err, true, StandardCharsets.UTF_8),
                "serve", "-m", "/no/such/model.gguf", "--port", "0"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("tessera: ") && e.strip().lines().count() == 1, e);
    }
}
