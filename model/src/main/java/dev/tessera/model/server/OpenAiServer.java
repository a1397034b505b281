package dev.tessera.model.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tessera.model.StopMatcher;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * An OpenAI-compatible HTTP server on the JDK's built-in {@link HttpServer}:
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions} (streamed as server-sent events
 * or whole), {@code GET /v1/models}, {@code GET /health} and {@code GET /metrics} (Prometheus).
 *
 * <p>Each exchange runs on its own virtual thread. Generation is limited to
 * {@link ServerConfig#parallel()} requests at once; the rest wait in a fair queue of at most
 * {@link ServerConfig#maxQueue()} and get 503 beyond it. Streams are written by their own
 * thread, so a slow reader never holds a generation slot, and a client that goes away stops its
 * generation at the next token.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Set<String> KNOWN_PATHS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics");
    private static final int DRAIN_LIMIT = 64 << 20;

    private final CompletionEngine engine;
    private final ServerConfig config;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slots;
    private final ServerMetrics metrics = new ServerMetrics();
    private final RequestParser parser;
    private final long created = Instant.now().getEpochSecond();
    private final AtomicLong ids = new AtomicLong();
    private final byte[] expectedAuth;
    private volatile boolean closing;

    private OpenAiServer(CompletionEngine engine, ServerConfig config) throws IOException {
        this.engine = engine;
        this.config = config;
        this.slots = new Semaphore(config.parallel(), true);
        this.parser = new RequestParser(engine.vocabularySize());
        this.expectedAuth = config.apiKey() == null ? null : ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        http.createContext("/", this::handle);
        http.setExecutor(executor);
    }

    /** Binds {@code config.host():config.port()} (port 0: any free port) and starts serving. */
    public static OpenAiServer start(CompletionEngine engine, ServerConfig config) throws IOException {
        OpenAiServer s = new OpenAiServer(engine, config);
        s.http.start();
        return s;
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Stops accepting requests, cancels running generations and closes the socket. */
    @Override
    public void close() {
        closing = true;
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        try (ex) {
            try {
                route(ex, path);
            } catch (ApiException e) {
                if (e.status() == 405) ex.getResponseHeaders().set("Allow", path.endsWith("completions") ? "POST" : "GET");
                sendJson(ex, e.status(), e.body());
            } catch (RuntimeException e) {
                sendJson(ex, 500, new ApiException(500, "server_error", null, null, "internal error: " + e).body());
            }
        } catch (IOException e) {
            // the client went away; count it here only if no answer had been started
            if (ex.getResponseCode() == -1) metrics.request(metricPath(path), 499);
        }
    }

    /**
     * Counts the request under its status, then sends the headers: counted before the client can see
     * the answer, so a client that reads /metrics next always finds its own request there.
     */
    private void respond(HttpExchange ex, int status, long length) throws IOException {
        metrics.request(metricPath(ex.getRequestURI().getPath()), status);
        ex.sendResponseHeaders(status, length);
    }

    private static String metricPath(String path) {
        return KNOWN_PATHS.contains(path) ? path : "other";
    }

    private int route(HttpExchange ex, String path) throws IOException {
        if (path.equals("/health")) {
            requireMethod(ex, "GET");
            return sendJson(ex, 200, Map.of("status", "ok"));
        }
        authorize(ex);
        return switch (path) {
            case "/v1/chat/completions" -> completion(ex, true);
            case "/v1/completions" -> completion(ex, false);
            case "/v1/models" -> {
                requireMethod(ex, "GET");
                yield sendJson(ex, 200, Responses.models(engine.modelId(), created));
            }
            case "/metrics" -> {
                requireMethod(ex, "GET");
                byte[] b = metrics.render().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                respond(ex, 200, b.length);
                ex.getResponseBody().write(b);
                yield 200;
            }
            default -> {
                if (!path.startsWith("/v1/models/"))
                    throw new ApiException(404, "invalid_request_error", null, null, "Invalid URL (" + ex.getRequestMethod() + " " + path + ")");
                requireMethod(ex, "GET");
                String id = path.substring("/v1/models/".length());
                if (!id.equals(engine.modelId()))
                    throw new ApiException(404, "invalid_request_error", "model", "model_not_found", "The model '" + id + "' does not exist");
                yield sendJson(ex, 200, Responses.model(id, created));
            }
        };
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method))
            throw new ApiException(405, "invalid_request_error", null, null,
                    ex.getRequestMethod() + " is not allowed on " + ex.getRequestURI().getPath() + "; use " + method);
    }

    private void authorize(HttpExchange ex) {
        if (expectedAuth == null) return;
        String given = ex.getRequestHeaders().getFirst("Authorization");
        if (given == null)
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    "You didn't provide an API key: send it as 'Authorization: Bearer KEY'");
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuth))
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key", "Incorrect API key provided");
    }

    private int completion(HttpExchange ex, boolean chat) throws IOException {
        requireMethod(ex, "POST");
        CompletionRequest req = parser.parse(readJson(ex), chat);
        String promptParam = chat ? "messages" : "prompt";
        int[] tokens;
        try {
            tokens = engine.encode(req.prompt());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(promptParam, e.getMessage());
        }
        SamplingOptions options = req.sampling().withMaxTokens(maxTokens(req, tokens.length, promptParam));
        try {
            engine.checkOptions(options);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        admit();
        Responses.Meta meta = new Responses.Meta((chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(created) + "-" + ids.incrementAndGet(),
                Instant.now().getEpochSecond(), engine.modelId(), chat);
        return req.stream() ? stream(ex, req, meta, tokens, options) : whole(ex, req, meta, tokens, options);
    }

    /** max_tokens as asked, or what the context and the server's limit leave; 400 when it cannot fit. */
    private int maxTokens(CompletionRequest req, int promptTokens, String promptParam) {
        int ctx = engine.contextLength();
        if (promptTokens >= ctx)
            throw new ApiException(400, "invalid_request_error", promptParam, "context_length_exceeded",
                    "This model's maximum context length is " + ctx + " tokens, but the prompt has " + promptTokens + " tokens");
        if (req.maxTokens() == null) return Math.min(ctx - promptTokens, config.maxTokens());
        int asked = req.maxTokens();
        if (asked > config.maxTokens())
            throw ApiException.invalid("max_tokens", "max_tokens is " + asked + " but this server allows at most " + config.maxTokens());
        if ((long) promptTokens + asked > ctx)
            throw new ApiException(400, "invalid_request_error", "max_tokens", "context_length_exceeded",
                    "This model's maximum context length is " + ctx + " tokens. However, you requested " + (promptTokens + asked)
                            + " tokens (" + promptTokens + " in the prompt, " + asked + " for the completion)");
        return asked;
    }

    /** Counts the request into the queue, or refuses it with 503 when the queue is full. */
    private void admit() {
        if (metrics.queued.incrementAndGet() > config.maxQueue() + Math.max(0, slots.availablePermits())) {
            metrics.queued.decrementAndGet();
            throw new ApiException(503, "server_error", null, "server_busy",
                    "The server is busy: " + config.maxQueue() + " requests are already waiting; retry later");
        }
    }

    /** Leaves the queue for a generation slot, waiting for one. */
    private void acquireSlot() {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "server_shutting_down", "The server is shutting down");
        } finally {
            metrics.queued.decrementAndGet();
        }
    }

    private Completion generate(int[] tokens, SamplingOptions options, TokenSink sink, BooleanSupplier cancelled) {
        acquireSlot();
        metrics.generating.incrementAndGet();
        long t0 = System.nanoTime();
        try {
            Completion c = engine.generate(tokens, options, sink, () -> closing || cancelled.getAsBoolean());
            metrics.generated(tokens.length, c.completionTokens(), System.nanoTime() - t0);
            return c;
        } finally {
            metrics.generating.decrementAndGet();
            slots.release();
        }
    }

    private int whole(HttpExchange ex, CompletionRequest req, Responses.Meta meta, int[] tokens, SamplingOptions options) throws IOException {
        StopMatcher stop = new StopMatcher(req.stop());
        StringBuilder text = new StringBuilder();
        Completion c = generate(tokens, options, piece -> {
            text.append(stop.push(piece));
            return !stop.stopped();
        }, () -> false);
        text.append(stop.flush());
        if (c.finishReason() == FinishReason.CANCELLED && !stop.stopped())
            throw new ApiException(503, "server_error", null, "server_shutting_down", "The server is shutting down");
        FinishReason finish = stop.stopped() ? FinishReason.STOP : c.finishReason();
        return sendJson(ex, 200, Responses.complete(meta, text.toString(), finish, tokens.length, c.completionTokens()));
    }

    private int stream(HttpExchange ex, CompletionRequest req, Responses.Meta meta, int[] tokens, SamplingOptions options) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        try {
            respond(ex, 200, 0);
        } catch (IOException e) {
            metrics.queued.decrementAndGet(); // admitted, but it will never wait for a slot
            throw e;
        }
        EventStream events = new EventStream(ex.getResponseBody());
        try {
            if (meta.chat()) events.send(Json.write(Responses.chunk(meta, "", true, null)));
            StopMatcher stop = new StopMatcher(req.stop());
            Completion c = generate(tokens, options, piece -> {
                if (events.broken()) return false;
                String out = stop.push(piece);
                if (!out.isEmpty()) events.send(Json.write(Responses.chunk(meta, out, false, null)));
                return !stop.stopped();
            }, events::broken);
            if (c.finishReason() == FinishReason.CANCELLED && !stop.stopped()) return 200; // the client left, or shutdown
            String tail = stop.flush();
            if (!tail.isEmpty()) events.send(Json.write(Responses.chunk(meta, tail, false, null)));
            FinishReason finish = stop.stopped() ? FinishReason.STOP : c.finishReason();
            events.send(Json.write(Responses.chunk(meta, null, false, finish)));
            if (req.includeUsage()) events.send(Json.write(Responses.usageChunk(meta, tokens.length, c.completionTokens())));
            events.send("[DONE]");
        } catch (ApiException e) {
            events.send(Json.write(e.body()));
        } catch (RuntimeException e) {
            events.send(Json.write(new ApiException(500, "server_error", null, null, "generation failed: " + e).body()));
        } finally {
            events.finish(config.drainTimeout());
        }
        return 200;
    }

    private Map<String, Object> readJson(HttpExchange ex) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        try {
            if (declared != null) length = Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(null, "bad Content-Length header");
        }
        InputStream in = ex.getRequestBody();
        if (length > config.maxBodyBytes()) {
            if (length <= DRAIN_LIMIT) discard(in); // let the client finish sending so that it reads the answer
            throw tooLarge();
        }
        byte[] body = readAtMost(in, config.maxBodyBytes() + 1);
        if (body.length > config.maxBodyBytes()) {
            discard(in);
            throw tooLarge();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid(null, "the request body is not valid UTF-8");
        }
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request: " + e.getMessage());
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "The request body is larger than this server's limit of " + config.maxBodyBytes() + " bytes");
    }

    /** Reads and drops what is left of the body, up to {@link #DRAIN_LIMIT} bytes. */
    private static void discard(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT && (n = in.read(buf)) > 0) total += n;
    }

    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while (out.size() < limit && (n = in.read(buf, 0, Math.min(buf.length, limit - out.size()))) > 0) out.write(buf, 0, n);
        return out.toByteArray();
    }

    private int sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        respond(ex, status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
        return status;
    }
}
