package dev.tessera.model.api;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A generation's text, piece by piece. {@link #hasNext()} blocks until the next piece is ready;
 * the generation stays one piece ahead of the reader. A failed generation's exception is thrown
 * from {@link #hasNext()}. {@link #close()} stops the generation; the iterator then ends.
 */
public final class TextIterator implements Iterator<String>, AutoCloseable {
    private record Failure(Throwable cause) {}

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private Flow.Subscription subscription;
    private Object next;
    private volatile boolean closed;

    TextIterator(Flow.Publisher<String> publisher) {
        publisher.subscribe(new Flow.Subscriber<String>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override public void onNext(String text) { queue.add(text); }

            @Override public void onError(Throwable t) { queue.add(new Failure(t)); }

            @Override public void onComplete() { queue.add(END); }
        });
    }

    @Override
    public boolean hasNext() {
        if (closed) return false;
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new CancellationException("interrupted while waiting for generated text");
            }
        }
        if (next instanceof Failure(Throwable cause)) {
            next = END;
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        }
        return next != END;
    }

    @Override
    public String next() {
        if (!hasNext()) throw new NoSuchElementException();
        String text = (String) next;
        next = null;
        subscription.request(1);
        return text;
    }

    /** Stops the generation; further {@link #hasNext()} calls return false. */
    @Override
    public void close() {
        closed = true;
        subscription.cancel();
    }
}
