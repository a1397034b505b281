package dev.tessera.model.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OpenAiServerTest {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeEngine engine;
    private OpenAiServer server;

    private void start(ServerConfig cfg) throws IOException {
        if (engine == null) engine = new FakeEngine(512);
        server = OpenAiServer.start(engine, cfg);
    }

    private void start() throws IOException {
        start(ServerConfig.defaults("127.0.0.1", 0, null).withLimits(16 << 10, 1000, 1, 64));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        client.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest req) throws IOException, InterruptedException {
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String path, Object body) throws IOException, InterruptedException {
        return send(post(path, Json.write(body)).build());
    }

    private static Map<String, Object> json(HttpResponse<String> r) {
        return Json.parseObject(r.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> firstChoice(Map<String, Object> body) {
        return map(((List<?>) body.get("choices")).getFirst());
    }

    /** The data payloads of an event stream, in order. */
    private static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) continue;
            assertTrue(block.startsWith("data: "), block);
            out.add(block.substring(6));
        }
        return out;
    }

    private static void assertError(HttpResponse<String> r, int status, String param, String code) {
        assertEquals(status, r.statusCode(), r.body());
        Map<String, Object> e = map(json(r).get("error"));
        assertEquals(List.of("message", "type", "param", "code"), List.copyOf(e.keySet()));
        assertInstanceOf(String.class, e.get("message"));
        assertFalse(((String) e.get("message")).isBlank());
        assertEquals(param, e.get("param"));
        assertEquals(code, e.get("code"));
    }

    private static Map<String, Object> chat(String content, Object... more) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("model", "whatever");
        m.put("messages", List.of(Map.of("role", "user", "content", content)));
        for (int i = 0; i < more.length; i += 2) m.put((String) more[i], more[i + 1]);
        return m;
    }

    @Test
    void chatCompletionHasTheOpenAiShape() throws Exception {
        start();
        HttpResponse<String> r = postJson("/v1/chat/completions", chat("say: Hello world!"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        Map<String, Object> b = json(r);
        assertEquals("chat.completion", b.get("object"));
        assertTrue(((String) b.get("id")).startsWith("chatcmpl-"));
        assertEquals("fake-model", b.get("model"));
        assertInstanceOf(Long.class, b.get("created"));
        Map<String, Object> c = firstChoice(b);
        assertEquals(0L, c.get("index"));
        assertEquals(Map.of("role", "assistant", "content", "Hello world!"), c.get("message"));
        assertEquals("stop", c.get("finish_reason"));
        // "user: say: Hello world!\n" is 8 fake tokens (words and the spaces between them); 4 pieces of 3 characters
        assertEquals(Map.of("prompt_tokens", 8L, "completion_tokens", 4L, "total_tokens", 12L), b.get("usage"));
    }

    @Test
    void textCompletionStopsAtMaxTokensWithLength() throws Exception {
        start();
        HttpResponse<String> r = postJson("/v1/completions", Map.of("prompt", "count apples", "max_tokens", 3));
        Map<String, Object> b = json(r);
        assertEquals("text_completion", b.get("object"));
        assertEquals("apples#0 apples#1 apples#2 ", firstChoice(b).get("text"));
        assertEquals("length", firstChoice(b).get("finish_reason"));
        assertEquals(3L, map(b.get("usage")).get("completion_tokens"));
    }

    @Test
    void chatStreamSendsRoleThenDeltasThenFinishThenDone() throws Exception {
        start();
        HttpResponse<String> r = postJson("/v1/chat/completions", chat("say: abcdefgh", "stream", true,
                "stream_options", Map.of("include_usage", true)));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        List<String> ev = events(r.body());
        assertEquals("[DONE]", ev.getLast());
        List<Map<String, Object>> chunks = ev.subList(0, ev.size() - 1).stream().map(Json::parseObject).toList();
        assertEquals(Map.of("role", "assistant", "content", ""), firstChoice(chunks.getFirst()).get("delta"));
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> ch : chunks.subList(1, chunks.size() - 2)) {
            assertEquals("chat.completion.chunk", ch.get("object"));
            assertNull(firstChoice(ch).get("finish_reason"));
            text.append(map(firstChoice(ch).get("delta")).get("content"));
        }
        assertEquals("abcdefgh", text.toString());
        Map<String, Object> last = chunks.get(chunks.size() - 2);
        assertEquals("stop", firstChoice(last).get("finish_reason"));
        assertEquals(Map.of(), firstChoice(last).get("delta"));
        Map<String, Object> usage = chunks.getLast();
        assertEquals(List.of(), usage.get("choices"));
        assertEquals(3L, map(usage.get("usage")).get("completion_tokens"));
        assertEquals(1, chunks.stream().map(c -> c.get("id")).distinct().count(), "one id for the whole stream");
    }

    @Test
    void stopSequencesCutTheTextInBothModes() throws Exception {
        start();
        Map<String, Object> b = json(postJson("/v1/completions", Map.of("prompt", "say: one two<END>three", "stop", List.of("<END>", "zzz"))));
        assertEquals("one two", firstChoice(b).get("text"));
        assertEquals("stop", firstChoice(b).get("finish_reason"));
        String sse = postJson("/v1/completions", Map.of("prompt", "say: one two<END>three", "stop", "<END>", "stream", true)).body();
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events(sse)) {
            if (e.equals("[DONE]")) break;
            Map<String, Object> c = firstChoice(Json.parseObject(e));
            text.append(c.get("text"));
            if (c.get("finish_reason") != null) finish = (String) c.get("finish_reason");
        }
        assertEquals("one two", text.toString());
        assertEquals("stop", finish);
    }

    @Test
    void everySamplingOptionReachesTheEngine() throws Exception {
        start();
        Map<String, Object> req = chat("hi", "temperature", 0.5, "top_p", 0.9, "top_k", 40, "min_p", 0.05, "max_tokens", 7,
                "seed", 1234, "presence_penalty", 0.25, "frequency_penalty", -0.5, "logit_bias", Map.of("17", -100, "3", 2.5),
                "n", 1, "user", "u1");
        assertEquals(200, postJson("/v1/chat/completions", req).statusCode());
        assertEquals(new SamplingOptions(0.5, 0.9, 40, 0.05, 7, 1234L, 0.25, -0.5, Map.of(17, -100.0, 3, 2.5)), engine.lastOptions);
        assertEquals(200, postJson("/v1/chat/completions", chat("hi", "max_completion_tokens", 2)).statusCode());
        assertEquals(SamplingOptions.defaults(2), engine.lastOptions);
    }

    @Test
    void optionsThatCannotBeHonouredAreRefusedByName() throws Exception {
        start();
        assertError(postJson("/v1/chat/completions", chat("hi", "n", 2)), 400, "n", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "logprobs", true)), 400, "logprobs", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "tools", List.of())), 400, "tools", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "temperature", 3)), 400, "temperature", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "top_p", 0)), 400, "top_p", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "max_tokens", 0)), 400, "max_tokens", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "logit_bias", Map.of("5000", 1))), 400, "logit_bias", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "stop", List.of(""))), 400, "stop", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "stream_options", Map.of("include_usage", true))), 400, "stream_options", null);
        assertError(postJson("/v1/chat/completions", chat("hi", "top_k", 500)), 400, null, null);
        assertError(postJson("/v1/completions", Map.of("prompt", List.of("a", "b"))), 400, "prompt", null);
        assertError(postJson("/v1/completions", Map.of("prompt", "a", "echo", true)), 400, "echo", null);
        assertError(postJson("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "wizard", "content", "x")))), 400,
                "messages[0].role", null);
        assertError(postJson("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user",
                "content", List.of(Map.of("type", "image_url", "image_url", "x")))))), 400, "messages[0].content", null);
        assertError(postJson("/v1/chat/completions", chat("FORBIDDEN")), 400, "messages", null);
        assertNull(engine.lastOptions, "nothing was generated");
    }

    @Test
    void malformedJsonAndWrongTypesAre400() throws Exception {
        start();
        assertError(send(post("/v1/chat/completions", "{\"messages\": [").build()), 400, null, null);
        assertError(send(post("/v1/chat/completions", "[1,2]").build()), 400, null, null);
        assertError(send(post("/v1/chat/completions", "").build()), 400, null, null);
        assertError(send(HttpRequest.newBuilder(uri("/v1/completions")).POST(HttpRequest.BodyPublishers.ofByteArray(
                new byte[] {'{', '"', (byte) 0xC3, '"', '}'})).build()), 400, null, null);
        assertError(postJson("/v1/completions", Map.of("prompt", 5)), 400, "prompt", null);
    }

    @Test
    void oversizeBodiesAre413() throws Exception {
        start();
        String big = "{\"prompt\":\"" + "x".repeat(20_000) + "\"}";
        assertError(send(post("/v1/completions", big).build()), 413, null, "request_too_large");
        // without a Content-Length (chunked upload)
        HttpRequest chunked = HttpRequest.newBuilder(uri("/v1/completions")).POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build();
        assertError(send(chunked), 413, null, "request_too_large");
        assertEquals(200, postJson("/v1/completions", Map.of("prompt", "still fine", "max_tokens", 1)).statusCode());
    }

    @Test
    void theContextAndTheServerLimitBoundMaxTokens() throws Exception {
        engine = new FakeEngine(16);
        start();
        assertError(postJson("/v1/completions", Map.of("prompt", "a b c d e", "max_tokens", 8)), 400, "max_tokens", "context_length_exceeded");
        assertError(postJson("/v1/completions", Map.of("prompt", "a b c d e f g h i")), 400, "prompt", "context_length_exceeded");
        // without max_tokens, generation fills the context: 16 - 9 prompt tokens
        Map<String, Object> b = json(postJson("/v1/completions", Map.of("prompt", "a b c d e")));
        assertEquals(7L, map(b.get("usage")).get("completion_tokens"));
        assertEquals("length", firstChoice(b).get("finish_reason"));
        server.close();
        engine = new FakeEngine(100_000);
        start(ServerConfig.defaults("127.0.0.1", 0, null).withLimits(16 << 10, 50, 1, 64));
        assertError(postJson("/v1/completions", Map.of("prompt", "a", "max_tokens", 51)), 400, "max_tokens", null);
        assertEquals(50L, map(json(postJson("/v1/completions", Map.of("prompt", "a"))).get("usage")).get("completion_tokens"));
    }

    @Test
    void theApiKeyIsRequiredEverywhereButHealth() throws Exception {
        start(ServerConfig.defaults("127.0.0.1", 0, "sk-local-123"));
        assertError(postJson("/v1/completions", Map.of("prompt", "x")), 401, null, "invalid_api_key");
        assertError(send(post("/v1/completions", "{\"prompt\":\"x\"}").header("Authorization", "Bearer nope").build()), 401, null, "invalid_api_key");
        assertError(send(HttpRequest.newBuilder(uri("/v1/models")).build()), 401, null, "invalid_api_key");
        HttpResponse<String> ok = send(post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}")
                .header("Authorization", "Bearer sk-local-123").build());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(200, send(HttpRequest.newBuilder(uri("/health")).build()).statusCode());
    }

    @Test
    void modelsHealthMetricsAndUnknownPaths() throws Exception {
        start();
        Map<String, Object> models = json(send(HttpRequest.newBuilder(uri("/v1/models")).build()));
        assertEquals("list", models.get("object"));
        Map<String, Object> m = map(((List<?>) models.get("data")).getFirst());
        assertEquals("fake-model", m.get("id"));
        assertEquals("model", m.get("object"));
        assertEquals(m, json(send(HttpRequest.newBuilder(uri("/v1/models/fake-model")).build())));
        assertError(send(HttpRequest.newBuilder(uri("/v1/models/gpt-4")).build()), 404, "model", "model_not_found");
        assertEquals(Map.of("status", "ok"), json(send(HttpRequest.newBuilder(uri("/health")).build())));
        assertError(send(HttpRequest.newBuilder(uri("/v1/nothing")).build()), 404, null, null);
        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(uri("/v1/completions")).build());
        assertError(wrongMethod, 405, null, null);
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElseThrow());
        postJson("/v1/completions", Map.of("prompt", "p q", "max_tokens", 4));
        postJson("/v1/completions", Map.of("prompt", "p", "max_tokens", 2));
        String metrics = send(HttpRequest.newBuilder(uri("/metrics")).build()).body();
        assertTrue(metrics.contains("tessera_requests_total{path=\"/v1/completions\",status=\"200\"} 2\n"), metrics);
        assertTrue(metrics.contains("tessera_requests_total{path=\"/v1/completions\",status=\"405\"} 1\n"), metrics);
        assertTrue(metrics.contains("tessera_requests_total{path=\"other\",status=\"404\"} 2\n"), metrics);
        assertTrue(metrics.contains("\ntessera_completion_tokens_total 6\n"), metrics);
        assertTrue(metrics.contains("\ntessera_prompt_tokens_total 4\n"), metrics);
        assertTrue(metrics.contains("# TYPE tessera_queue_depth gauge\ntessera_queue_depth 0\n"), metrics);
        assertTrue(metrics.contains("\ntessera_tokens_per_second "), metrics);
    }

    /** The exact text the fake sends for a counting prompt ending in {@code word}. */
    private static String counting(String word, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(word).append('#').append(i).append(' ');
        return sb.toString();
    }

    private void concurrentStreams(int parallel) throws Exception {
        engine = new FakeEngine(512);
        engine.delayMillis = 1;
        start(ServerConfig.defaults("127.0.0.1", 0, null).withLimits(16 << 10, 1000, parallel, 64));
        int clients = 8, tokens = 25;
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<String>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String word = "client" + c;
                Callable<String> call = () -> {
                    HttpResponse<String> r = postJson("/v1/chat/completions", chat("count " + word, "stream", true, "max_tokens", tokens));
                    assertEquals(200, r.statusCode(), r.body());
                    StringBuilder text = new StringBuilder();
                    List<String> ev = events(r.body());
                    assertEquals("[DONE]", ev.getLast());
                    for (String e : ev.subList(0, ev.size() - 1)) {
                        Map<String, Object> choice = firstChoice(Json.parseObject(e));
                        Object content = map(choice.get("delta")).get("content");
                        if (content != null) text.append(content);
                    }
                    return text.toString();
                };
                results.add(pool.submit(call));
            }
            for (int c = 0; c < clients; c++) assertEquals(counting("client" + c, tokens), results.get(c).get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(clients, engine.runs.size());
        assertTrue(engine.maxActive.get() <= parallel, "at most " + parallel + " generations at once, saw " + engine.maxActive.get());
    }

    @Test
    void eightConcurrentStreamsQueueWithoutLosingOrMixingTokens() throws Exception {
        concurrentStreams(1);
    }

    @Test
    void eightConcurrentStreamsWithParallelGeneration() throws Exception {
        concurrentStreams(4);
        assertTrue(engine.maxActive.get() > 1, "generations overlapped");
    }

    @Test
    void aClientThatDisconnectsStopsItsGeneration() throws Exception {
        engine = new FakeEngine(1 << 20);
        engine.delayMillis = 2;
        start(ServerConfig.defaults("127.0.0.1", 0, null).withLimits(16 << 10, 1 << 19, 1, 64));
        HttpResponse<InputStream> r = client.send(post("/v1/completions", Json.write(Map.of("prompt", "go", "stream", true, "max_tokens", 500_000))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        int data = 0;
        while (data < 3) {
            String line = in.readLine();
            assertNotNull(line);
            if (line.startsWith("data: ")) data++;
        }
        in.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (engine.runs.isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(1, engine.runs.size(), "generation ended after the disconnect");
        assertEquals(FinishReason.CANCELLED, engine.runs.getFirst().reason());
        assertTrue(engine.runs.getFirst().generated() < 5000, "stopped early: " + engine.runs.getFirst());
        // the slot is free again
        assertEquals(200, postJson("/v1/completions", Map.of("prompt", "after", "max_tokens", 2)).statusCode());
    }

    @Test
    void aFullQueueAnswers503() throws Exception {
        engine = new FakeEngine(1 << 20);
        engine.delayMillis = 2;
        start(ServerConfig.defaults("127.0.0.1", 0, null).withLimits(16 << 10, 1 << 19, 1, 0));
        HttpResponse<InputStream> busy = client.send(post("/v1/completions", Json.write(Map.of("prompt", "go", "stream", true, "max_tokens", 500_000))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(busy.body(), StandardCharsets.UTF_8));
        assertTrue(in.readLine().startsWith("data: "));
        assertError(postJson("/v1/completions", Map.of("prompt", "x", "max_tokens", 1)), 503, null, "server_busy");
        in.close();
    }
}
