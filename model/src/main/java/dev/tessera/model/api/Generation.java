package dev.tessera.model.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One generation, not yet started: run it once, in one of three ways — blocking with a callback
 * ({@link #run(Consumer)}), as an iterator ({@link #iterator()}) or as a
 * {@link Flow.Publisher} ({@link #publisher()}). Text arrives in whole characters, as soon as it
 * is printable. {@link #cancel()} may be called from any thread at any time; generation then stops
 * before the next token.
 */
public final class Generation {
    /** The work behind a generation: streams text to {@code onText} until done or {@code self} is cancelled. */
    @FunctionalInterface
    interface Body {
        Completion run(Generation self, Consumer<String> onText);
    }

    private final Body body;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private volatile boolean cancelled;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();

    Generation(Body body) { this.body = body; }

    /** Generates the whole text and returns it. */
    public Completion run() { return run(text -> {}); }

    /**
     * Generates on the calling thread, handing each piece of text to {@code onText} as it is
     * produced. An exception from {@code onText} ends the generation and is rethrown.
     *
     * @throws IllegalStateException if this generation was started before, or its model is closed
     */
    public Completion run(Consumer<String> onText) {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("a generation runs once; ask the model for a new one");
        try {
            Completion c = body.run(this, onText);
            completion.complete(c);
            return c;
        } catch (RuntimeException | Error e) {
            completion.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * The text as an iterator, generated on a background thread one piece ahead of the reader.
     * Close it to stop early.
     */
    public TextIterator iterator() { return new TextIterator(publisher()); }

    /**
     * The text as a publisher for one subscriber, generated on a virtual thread as fast as the
     * subscriber's demand allows; cancelling the subscription cancels the generation.
     */
    public Flow.Publisher<String> publisher() { return new TextPublisher(this); }

    /** Stops the generation before its next token (or before it starts). */
    public void cancel() {
        cancelled = true;
        onCancel.forEach(Runnable::run);
    }

    public boolean isCancelled() { return cancelled; }

    /** Completes with the result when the generation ends (exceptionally if it failed). */
    public CompletableFuture<Completion> completion() { return completion.copy(); }

    /** Runs {@code action} on {@link #cancel()}, so a producer waiting for demand wakes up. */
    void onCancel(Runnable action) { onCancel.add(action); }
}
