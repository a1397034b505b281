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
    /** Events written so far: progress that keeps a slow reader's stream open. */
    private volatile long written;

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

    /**
     * Waits for everything queued to be written, giving up when the client has read nothing for
     * {@code idle}; returns whether all of it was written.
     */
    boolean finish(Duration idle) {
        queue.add(END);
        try {
            long before;
            do {
                before = written;
                if (writer.join(idle)) return !broken;
            } while (written != before);
            broken = true;
            writer.interrupt();
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.interrupt();
            return false;
        }
    }

    private void drain() {
        try {
            while (true) {
                byte[] b = queue.take();
                if (b == END) break;
                out.write(b);
                if (queue.isEmpty()) out.flush();
                written++;
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            broken = true;
            queue.clear();
        }
    }
}
