package dev.tessera.model.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A server-sent event stream written by its own thread, so that generation never waits on a
 * slow client: events queue here and the writer drains them to the socket. A failed write (the
 * client went away) marks the stream broken, which tells generation to stop.
 */
final class EventStream {
    private static final byte[] END = new byte[0];

    private final OutputStream out;
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean broken;

    EventStream(OutputStream out) {
        this.out = out;
        this.writer = Thread.ofVirtual().name("sse-writer").start(this::drain);
    }

    /** Queues {@code data: <payload>}. */
    void send(String payload) {
        if (!broken) queue.add(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the client has gone away. */
    boolean broken() {
        return broken;
    }

    /** Waits up to {@code timeout} for everything queued to be written; returns whether it was. */
    boolean finish(Duration timeout) {
        queue.add(END);
        try {
            if (!writer.join(timeout)) {
                broken = true;
                writer.interrupt();
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.interrupt();
            return false;
        }
        return !broken;
    }

    private void drain() {
        try {
            while (true) {
                byte[] b = queue.take();
                if (b == END) break;
                out.write(b);
                if (queue.isEmpty()) out.flush();
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            broken = true;
            queue.clear();
        }
    }
}
