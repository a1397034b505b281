package dev.tessera.model.server;

import dev.tessera.model.chat.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A deterministic engine for server tests. Prompt words are tokens. A prompt containing
 * {@code say:} produces the text after it in 3-character pieces, then end-of-sequence; any other
 * prompt produces {@code "<last word>#<i> "} for i = 0, 1, … until max_tokens or cancellation,
 * so that each client's stream is recognisable and cross-talk shows.
 */
final class FakeEngine implements CompletionEngine {
    record Run(int generated, FinishReason reason) {}

    final int contextLength;
    volatile long delayMillis;
    volatile SamplingOptions lastOptions;
    final List<Run> runs = new CopyOnWriteArrayList<>();
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final List<String> words = new CopyOnWriteArrayList<>();

    FakeEngine(int contextLength) {
        this.contextLength = contextLength;
    }

    @Override public String modelId() { return "fake-model"; }
    @Override public int contextLength() { return contextLength; }
    @Override public int vocabularySize() { return 1000; }

    /** The text a prompt renders to: chat turns as "role: content" lines. */
    static String render(Prompt p) {
        return switch (p) {
            case Prompt.Text t -> t.text();
            case Prompt.Chat c -> {
                StringBuilder sb = new StringBuilder();
                for (ChatMessage m : c.messages()) sb.append(m.role()).append(": ").append(m.content()).append('\n');
                yield sb.toString();
            }
        };
    }

    @Override
    public synchronized int[] encode(Prompt prompt) {
        String text = render(prompt);
        if (text.contains("FORBIDDEN")) throw new IllegalArgumentException("the fake template refuses FORBIDDEN");
        List<Integer> out = new ArrayList<>();
        for (String w : text.split("(?<=\\s)|(?=\\s)")) {
            out.add(ids.computeIfAbsent(w, k -> {
                words.add(k);
                return words.size() - 1;
            }));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void checkOptions(SamplingOptions options) {
        if (options.topK() > 100) throw new IllegalArgumentException("top_k above 100 is not supported by the fake");
    }

    @Override
    public Completion generate(int[] prompt, SamplingOptions options, TokenSink sink, BooleanSupplier cancelled) {
        lastOptions = options;
        int now = active.incrementAndGet();
        maxActive.accumulateAndGet(now, Math::max);
        try {
            StringBuilder text = new StringBuilder();
            for (int id : prompt) text.append(words.get(id));
            List<String> script = script(text.toString());
            int n = 0;
            while (true) {
                if (cancelled.getAsBoolean()) return record(n, FinishReason.CANCELLED);
                if (script != null && n == script.size()) return record(n, FinishReason.STOP);
                if (n == options.maxTokens()) return record(n, FinishReason.LENGTH);
                String piece = script != null ? script.get(n) : lastWord(text.toString()) + "#" + n + " ";
                n++;
                if (delayMillis > 0) Thread.sleep(delayMillis);
                if (!sink.accept(piece)) return record(n, FinishReason.CANCELLED);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            active.decrementAndGet();
        }
    }

    private Completion record(int n, FinishReason r) {
        runs.add(new Run(n, r));
        return new Completion(n, r);
    }

    /** The pieces a "say:" prompt produces, or null for the endless counting output. */
    static List<String> script(String text) {
        int at = text.indexOf("say:");
        if (at < 0) return null;
        String rest = text.substring(at + 4).strip();
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < rest.length(); i += 3) pieces.add(rest.substring(i, Math.min(rest.length(), i + 3)));
        return pieces;
    }

    static String lastWord(String text) {
        String[] w = text.strip().split("\\s+");
        return w[w.length - 1];
    }
}
