package dev.tessera.cli;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.FormatException;
import dev.tessera.model.hub.HubException;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.server.GeneratorEngine;
import dev.tessera.model.server.OpenAiServer;
import dev.tessera.model.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera serve -m MODEL}: an OpenAI-compatible HTTP API over one model. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API: /v1/chat/completions, /v1/completions, /v1/models, "
                + "/health, /metrics."})
public final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "a GGUF file, a Hugging Face folder, or hf://owner/name[/file]")
    String model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port to listen on (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:TESSERA_API_KEY}",
            description = "require 'Authorization: Bearer KEY' (default: $TESSERA_API_KEY)")
    String apiKey;

    @Option(names = {"-c", "--ctx"}, defaultValue = "4096", description = "context size in tokens (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--max-tokens", defaultValue = "4096", description = "most tokens one request may generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--max-queue", defaultValue = "64", description = "requests that may wait for the model (default: ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--max-body", defaultValue = "4194304", paramLabel = "BYTES",
            description = "largest request body (default: ${DEFAULT-VALUE})")
    int maxBody;

    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Makes a running {@link #call()} close the server and return (what Ctrl-C does through the shutdown hook). */
    void stop() {
        stopped.countDown();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running or has run
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            ServerConfig cfg = new ServerConfig(host, port, apiKey, maxBody, maxTokens, 1, maxQueue, Duration.ofSeconds(60));
            Path path = HubPath.resolve(model);
            try (CpuBackend backend = new CpuBackend();
                 GeneratorEngine engine = GeneratorEngine.open(path, backend, ctx, null);
                 OpenAiServer server = OpenAiServer.start(engine, cfg)) {
                Thread hook = new Thread(stopped::countDown, "tessera-serve-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                if (cfg.apiKey() == null && !InetAddress.getByName(host).isLoopbackAddress())
                    err.println("warning: listening on " + host + " without --api-key: anyone who can reach it can use it");
                err.println("tessera serve: " + engine.modelId() + " on http://" + host + ":" + server.address().getPort()
                        + " (context " + engine.contextLength() + " tokens)");
                err.flush();
                try {
                    stopped.await();
                } finally {
                    removeHook(hook);
                }
            }
            return 0;
        } catch (HubException | FormatException | IllegalArgumentException e) {
            err.println("tessera serve: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("tessera serve: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
