package dev.tessera.model;

import dev.tessera.model.sampling.Sampler;
import dev.tessera.model.tokenizer.StreamingDecoder;
import dev.tessera.model.tokenizer.Tokenizer;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Evaluates a prompt and samples a continuation into a {@link Session}, streaming text as it
 * becomes printable. Stops at an end-of-generation token, a stop string, the token limit, a full
 * context (without shifting) or when {@code cancelled} turns true.
 */
public final class Generator {
    /** Why generation ended. */
    public enum Stop { END_OF_TEXT, STOP_STRING, LENGTH, CONTEXT_FULL, CANCELLED }

    /** Counts and times of one call; the generated ids include the end token if one was sampled. */
    public record Result(int[] generated, Stop stop, int promptTokens, long promptNanos, int genTokens, long genNanos) {
        public double promptTokensPerSecond() { return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos; }

        public double genTokensPerSecond() { return genNanos == 0 ? 0 : genTokens * 1e9 / genNanos; }
    }

    private final Session session;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    /** The last sampled token, not yet in the cache: the next call evaluates it first. */
    private int pending = -1;

    public Generator(Session session, Tokenizer tokenizer, Sampler sampler) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
    }

    public Session session() { return session; }

    /**
     * Forgets the last sampled token instead of feeding it next time: a chat does this after an
     * end-of-turn token, because its template supplies the turn-end text itself.
     */
    public void discardPending() { pending = -1; }

    /**
     * Appends {@code prompt} (already tokenized, may be empty if the session holds context) and
     * generates up to {@code maxTokens} tokens ({@code < 0}: until the context is full). The
     * previous call's last token enters the cache first.
     */
    public Result generate(int[] prompt, int maxTokens, List<String> stops, Consumer<String> out, BooleanSupplier cancelled) {
        long t0 = System.nanoTime();
        for (int t : prompt) sampler.accept(t);
        if (pending >= 0) {
            int[] withPending = new int[prompt.length + 1];
            withPending[0] = pending;
            System.arraycopy(prompt, 0, withPending, 1, prompt.length);
            prompt = withPending;
            pending = -1;
        }
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        float[] logits;
        try {
            logits = session.append(prompt);
        } catch (ContextFullException e) {
            return new Result(new int[0], Stop.CONTEXT_FULL, prompt.length, System.nanoTime() - t0, 0, 0);
        }
        long t1 = System.nanoTime();
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        if (prompt.length > 0) decoder.push(prompt[prompt.length - 1]); // so a leading space after BOS is handled
        StopMatcher matcher = new StopMatcher(stops);
        int limit = maxTokens < 0 ? Integer.MAX_VALUE : maxTokens;
        int[] generated = new int[Math.min(limit, 4096)];
        int n = 0;
        Stop stop = Stop.LENGTH;
        while (n < limit) {
            if (cancelled.getAsBoolean()) {
                stop = Stop.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            if (n == generated.length) generated = java.util.Arrays.copyOf(generated, n * 2);
            generated[n++] = token;
            sampler.accept(token);
            if (tokenizer.isEndOfGeneration(token)) {
                stop = Stop.END_OF_TEXT;
                break;
            }
            String text = matcher.push(decoder.push(token));
            if (!text.isEmpty()) out.accept(text);
            if (matcher.stopped()) {
                stop = Stop.STOP_STRING;
                break;
            }
            if (n == limit) break;
            try {
                logits = session.decode(token);
            } catch (ContextFullException e) {
                stop = Stop.CONTEXT_FULL;
                break;
            }
        }
        if (n > 0 && stop != Stop.CONTEXT_FULL && stop != Stop.CANCELLED) pending = generated[n - 1];
        if (stop != Stop.STOP_STRING) {
            String rest = matcher.flush() + decoder.flush();
            if (!rest.isEmpty()) out.accept(rest);
        }
        long t2 = System.nanoTime();
        return new Result(java.util.Arrays.copyOf(generated, n), stop, prompt.length, t1 - t0, n, t2 - t1);
    }
}
