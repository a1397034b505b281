package dev.tessera.model.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters and gauges, written in the Prometheus text format at /metrics. */
final class ServerMetrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    final LongAdder promptTokens = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder generationNanos = new LongAdder();
    final AtomicInteger queued = new AtomicInteger();
    final AtomicInteger generating = new AtomicInteger();
    private volatile double lastTokensPerSecond;

    void request(String path, int status) {
        requests.computeIfAbsent(path + "\u0000" + status, k -> new LongAdder()).increment();
    }

    void generated(int prompt, int completion, long nanos) {
        promptTokens.add(prompt);
        completionTokens.add(completion);
        generationNanos.add(nanos);
        if (nanos > 0) lastTokensPerSecond = completion / (nanos / 1e9);
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        header(sb, "tessera_requests_total", "counter", "HTTP requests answered, by path and status.");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] ps = k.split("\u0000");
            sb.append("tessera_requests_total{path=\"").append(escape(ps[0])).append("\",status=\"").append(ps[1]).append("\"} ")
                    .append(v.sum()).append('\n');
        });
        metric(sb, "tessera_prompt_tokens_total", "counter", "Prompt tokens processed.", promptTokens.sum());
        metric(sb, "tessera_completion_tokens_total", "counter", "Tokens generated.", completionTokens.sum());
        metric(sb, "tessera_generation_seconds_total", "counter", "Time spent in generation, prompt evaluation included.", generationNanos.sum() / 1e9);
        long nanos = generationNanos.sum();
        metric(sb, "tessera_tokens_per_second", "gauge", "Generated tokens per second of generation time (prompt evaluation included), over the server's life.",
                nanos == 0 ? 0 : completionTokens.sum() / (nanos / 1e9));
        metric(sb, "tessera_last_tokens_per_second", "gauge", "Generated tokens per second of the last finished request.", lastTokensPerSecond);
        metric(sb, "tessera_queue_depth", "gauge", "Requests waiting for a generation slot.", queued.get());
        metric(sb, "tessera_requests_generating", "gauge", "Requests generating now.", generating.get());
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void metric(StringBuilder sb, String name, String type, String help, double value) {
        header(sb, name, type, help);
        sb.append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) sb.append((long) value);
        else sb.append(String.format(Locale.ROOT, "%.6g", value));
        sb.append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
