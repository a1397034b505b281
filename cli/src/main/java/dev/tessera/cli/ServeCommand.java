package dev.tessera.cli;

import dev.tessera.model.chat.ChatFormat;
import dev.tessera.model.chat.ChatTemplates;
import dev.tessera.model.server.GeneratorEngine;
import dev.tessera.model.server.OpenAiServer;
import dev.tessera.model.server.ServerConfig;
import dev.tessera.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tessera serve -m MODEL}: an OpenAI-compatible HTTP API over one model. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API: /v1/chat/completions, /v1/completions, /v1/models, "
                + "/health, /metrics. Requests queue for the model one at a time; streams are not blocked by each other."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port to listen on, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:TESSERA_API_KEY}",
            description = "require 'Authorization: Bearer KEY' (default: $TESSERA_API_KEY)")
    String apiKey;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "chat format instead of the model's (chatml, llama3, gemma ...)")
    String template;

    @Option(names = "--max-tokens", defaultValue = "4096", description = "most tokens one request may generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--max-queue", defaultValue = "64", description = "requests that may wait for the model (default: ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--max-body", defaultValue = "4194304", paramLabel = "BYTES", description = "largest request body (default: ${DEFAULT-VALUE})")
    int maxBody;

    private final PrintStream err;
    private final CountDownLatch stopped = new CountDownLatch(1);

    ServeCommand(PrintStream err) {
        this.err = err;
    }

    /** Makes a running {@link #call()} close the server and return (what Ctrl-C does through the shutdown hook). */
    void stop() {
        stopped.countDown();
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        ServerConfig cfg = new ServerConfig(host, port, apiKey, maxBody, maxTokens, 1, maxQueue, Duration.ofSeconds(60));
        try (ModelOptions.Loaded l = model.load(err, 0)) {
            GeneratorEngine engine = new GeneratorEngine(modelId(), l.session(), l.tokenizer(), chatFormat(l.tokenizer()));
            try (OpenAiServer server = listen(engine, cfg)) {
                Thread hook = new Thread(stopped::countDown, "tessera-serve-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                if (cfg.apiKey() == null && !InetAddress.getByName(host).isLoopbackAddress())
                    err.println("warning: listening on " + host + " without --api-key: anyone who can reach it can use it");
                err.println("serving " + engine.modelId() + " on http://" + host + ":" + server.address().getPort()
                        + " (context " + engine.contextLength() + " tokens)");
                err.flush();
                try {
                    stopped.await();
                } finally {
                    removeHook(hook);
                }
            }
        }
        return 0;
    }

    private static OpenAiServer listen(GeneratorEngine engine, ServerConfig cfg) throws IOException {
        try {
            return OpenAiServer.start(engine, cfg);
        } catch (java.net.BindException e) {
            throw new IllegalArgumentException("--port " + cfg.port() + ": cannot listen on " + cfg.host() + ":" + cfg.port() + " (" + e.getMessage() + ")");
        }
    }

    private String modelId() {
        String name = model.path().getFileName().toString();
        return name.replaceFirst("(?i)\\.(gguf|bin)$", "");
    }

    /** The --chat-template format, else the model's; null (chat answered with 400) when the model has none. */
    private ChatFormat chatFormat(Tokenizer tok) {
        if (template != null)
            return ChatTemplates.detect(template).orElseThrow(() -> new IllegalArgumentException("--chat-template " + template + ": not a known chat format"));
        try {
            return ChatTemplates.choose(ChatCommand.modelTemplate(model.path()), tok);
        } catch (IllegalArgumentException e) {
            err.println("note: /v1/chat/completions is off: " + e.getMessage());
            return null;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running or has run
        }
    }
}
