package dev.tessera.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads that stay alive between operations. The calling thread takes
 * part in every job; the other threads spin briefly on a generation counter after each job (so
 * back-to-back kernels start without waking anyone) and park when the pool has been idle for a
 * while. Jobs are handed out without allocation: one shared task, one generation bump, one
 * counter to wait on.
 *
 * <p>Calls from inside a running job (or from a second thread while a job runs) execute inline on
 * the calling thread, so nesting never deadlocks.
 */
public final class Parallel implements AutoCloseable {
    /** A piece of work over {@code [start, end)}; {@code worker} in {@code [0, threads())} indexes per-thread scratch. */
    @FunctionalInterface
    public interface Range {
        void run(int worker, int start, int end);
    }

    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    /** 1 while worker {@code i} is parked or about to park. */
    private final AtomicIntegerArray sleeping;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;

    // The current job; written by the caller before the generation bump, read by workers after it.
    private Range task;
    private int count;
    private int align;
    private int chunk; // > 0: dynamic chunks of this size; 0: one contiguous part per thread
    private volatile Throwable failure;

    /** A pool of {@code threads} threads in all, the caller included. */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads + ": expected at least 1");
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.sleeping = new AtomicIntegerArray(threads);
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("tessera-worker-" + id).unstarted(() -> workLoop(id));
            workers[i].start();
        }
    }

    /** A pool sized to the available processors. */
    public static Parallel ofAvailableProcessors() {
        return new Parallel(Runtime.getRuntime().availableProcessors());
    }

    /** Threads in the pool, the caller included. */
    public int threads() { return threads; }

    /**
     * Splits {@code [0, count)} into one contiguous part per thread, each a multiple of
     * {@code align} long (except the last), and runs them; returns when all parts are done.
     */
    public void split(int count, int align, Range task) {
        if (count <= 0) return;
        if (align < 1) throw new IllegalArgumentException("align " + align + ": expected at least 1");
        start(count, align, 0, task);
    }

    /** Runs {@code [0, count)} in chunks of {@code chunk} taken in turn by whichever thread is free. */
    public void chunks(int count, int chunk, Range task) {
        if (count <= 0) return;
        if (chunk < 1) throw new IllegalArgumentException("chunk " + chunk + ": expected at least 1");
        start(count, 1, chunk, task);
    }

    private void start(int count, int align, int chunk, Range task) {
        // Workers only run while a job holds the pool, so a nested call (or a second caller) finds it busy.
        if (threads == 1 || closed || !busy.compareAndSet(false, true)) {
            task.run(0, 0, count);
            return;
        }
        try {
            this.task = task;
            this.count = count;
            this.align = align;
            this.chunk = chunk;
            this.failure = null;
            nextChunk.set(0);
            pending.set(threads - 1);
            generation++; // publishes the fields above
            for (int i = 0; i < workers.length; i++) if (sleeping.get(i + 1) != 0) LockSupport.unpark(workers[i]);
            try {
                runPart(0);
            } catch (Throwable t) {
                failure = t; // rethrown below, once the workers are done with the job
            }
            // Spin briefly, then yield: on an oversubscribed machine the worker we wait for may be
            // descheduled, and spinning would only keep it off this core.
            for (int spins = 0; pending.get() != 0; spins++) {
                if (spins < 4096) Thread.onSpinWait();
                else Thread.yield();
            }
            this.task = null;
            Throwable f = failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
        } finally {
            busy.set(false);
        }
    }

    private void runPart(int id) {
        if (chunk > 0) {
            int c;
            while ((c = nextChunk.getAndAdd(chunk)) < count) task.run(id, c, Math.min(count, c + chunk));
            return;
        }
        int units = (count + align - 1) / align;
        int from = (int) ((long) units * id / threads) * align;
        int to = Math.min(count, (int) ((long) units * (id + 1) / threads) * align);
        if (from < to) task.run(id, from, to);
    }

    private void workLoop(int id) {
        int seen = 0;
        while (true) {
            int g = awaitGeneration(id, seen);
            if (closed) return;
            seen = g;
            try {
                runPart(id);
            } catch (Throwable t) {
                failure = t;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private int awaitGeneration(int id, int seen) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        int spins = 0;
        while (true) {
            int g = generation;
            if (g != seen || closed) return g;
            if (++spins % 64 == 0 && System.nanoTime() > spinUntil) {
                // Flag first, then re-check: the caller bumps the generation first, then reads the flag.
                sleeping.set(id, 1);
                if (generation == seen && !closed) LockSupport.park(this);
                sleeping.set(id, 0);
                spinUntil = System.nanoTime() + SPIN_NANOS;
            } else {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
        for (Thread w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
