package dev.tessera.model.api;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes a {@link Generation}'s text to a single subscriber. The generation runs on its own
 * virtual thread and waits, between pieces of text, until the subscriber has asked for more.
 */
final class TextPublisher implements Flow.Publisher<String> {
    private final Generation generation;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    TextPublisher(Generation generation) { this.generation = generation; }

    @Override
    public void subscribe(Flow.Subscriber<? super String> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}

                @Override public void cancel() {}
            });
            subscriber.onError(new IllegalStateException("a generation streams to one subscriber only"));
            return;
        }
        Feed feed = new Feed(subscriber);
        generation.onCancel(feed::wake);
        subscriber.onSubscribe(feed);
        Thread.ofVirtual().name("tessera-generation").start(feed);
    }

    /** The subscription: demand bookkeeping, and the loop that runs the generation. */
    private final class Feed implements Flow.Subscription, Runnable {
        private final Flow.Subscriber<? super String> subscriber;
        private long demand;
        private boolean cancelled;
        private Throwable badRequest;

        Feed(Flow.Subscriber<? super String> subscriber) { this.subscriber = subscriber; }

        @Override
        public void request(long n) {
            synchronized (this) {
                if (n <= 0) badRequest = new IllegalArgumentException("request(" + n + "): expected a positive count (Reactive Streams rule 3.9)");
                else demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                notifyAll();
            }
            if (n <= 0) generation.cancel();
        }

        @Override
        public void cancel() {
            synchronized (this) {
                cancelled = true;
            }
            generation.cancel();
        }

        synchronized void wake() { notifyAll(); }

        @Override
        public void run() {
            Throwable failure = null;
            try {
                generation.run(this::deliver);
            } catch (Throwable t) {
                failure = t;
            }
            synchronized (this) {
                if (cancelled) return;
                if (badRequest != null) failure = badRequest;
            }
            if (failure != null) subscriber.onError(failure);
            else subscriber.onComplete();
        }

        /** Waits for demand, then hands {@code text} on; drops it once the generation is being cancelled. */
        private void deliver(String text) {
            synchronized (this) {
                try {
                    while (demand == 0 && !generation.isCancelled()) wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    generation.cancel();
                }
                if (generation.isCancelled()) return;
                demand--;
            }
            subscriber.onNext(text);
        }
    }
}
