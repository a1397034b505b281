package dev.tessera.model.api;

import dev.tessera.model.Generator;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One sequence's worth of state — a transformer's scratch buffers and a KV cache — that runs one
 * generation at a time. Each generation is given its whole prompt; the part of it already in the
 * cache from the previous generation (a shared system prompt, the earlier turns of a chat) is
 * kept and only the rest is evaluated.
 */
final class Slot implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final Session session;

    Slot(Model model, Tokenizer tokenizer, LoadOptions options, int capacity) {
        this.model = model;
        this.tokenizer = tokenizer;
        // keep = 1: a context shift never drops BOS
        this.session = new Session(model.transformer(options.batchSize(), 1), capacity, options.kvType(), options.contextShift(), 1);
    }

    /** How many leading tokens of {@code prompt} the cache holds already. */
    int cachedPrefix(int[] prompt) {
        int[] cached = session.tokens();
        int n = Math.min(cached.length, prompt.length), i = 0;
        while (i < n && cached[i] == prompt[i]) i++;
        return i;
    }

    Completion generate(int[] prompt, GenerationOptions o, Consumer<String> onText, BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) return new Completion("", new int[0], StopReason.CANCELLED, prompt.length, 0, 0, 0);
        SamplingParams params = o.samplingParams(ThreadLocalRandom.current().nextLong());
        StringBuilder text = new StringBuilder();
        Consumer<String> out = s -> {
            text.append(s);
            onText.accept(s);
        };
        if (o.speculation() != Speculation.NONE) {
            session.rollback(0); // the speculative decoder fills the cache from the start
            return new SpeculativeGeneration(model, tokenizer, session.cache(), o, params).run(prompt, out, cancelled, text);
        }
        ChainSampler sampler = new ChainSampler(params);
        // at least the last prompt token is evaluated, for its logits
        int keep = Math.min(cachedPrefix(prompt), prompt.length - 1);
        session.rollback(keep);
        for (int i = 0; i < keep; i++) sampler.accept(prompt[i]);
        Generator.Result r = new Generator(session, tokenizer, sampler)
                .generate(Arrays.copyOfRange(prompt, keep, prompt.length), o.maxTokens(), o.stop(), out, cancelled);
        StopReason stop = switch (r.stop()) {
            case END_OF_TEXT -> StopReason.END_OF_TEXT;
            case STOP_STRING -> StopReason.STOP_STRING;
            case LENGTH -> StopReason.MAX_TOKENS;
            case CONTEXT_FULL -> StopReason.CONTEXT_FULL;
            case CANCELLED -> StopReason.CANCELLED;
        };
        return new Completion(text.toString(), r.generated(), stop, prompt.length, keep, r.promptNanos(), r.genNanos());
    }

    @Override
    public void close() { session.close(); }
}
