package dev.tessera.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    private static void assertEachOnce(AtomicIntegerArray hits, String what) {
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), what + ": index " + i);
    }

    @Test
    void splitCoversEveryIndexOnceInAlignedParts() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            try (Parallel p = new Parallel(threads)) {
                for (int count : new int[] {1, 7, 64, 1001}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(count);
                    p.split(count, 8, (w, s, e) -> {
                        assertTrue(w >= 0 && w < threads);
                        assertEquals(0, s % 8, "part start must be aligned");
                        for (int i = s; i < e; i++) hits.incrementAndGet(i);
                    });
                    assertEachOnce(hits, threads + " threads, count " + count);
                }
            }
        }
    }

    @Test
    void chunksCoverEveryIndexOnceAcrossManyJobs() {
        try (Parallel p = new Parallel(3)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(97);
            for (int job = 0; job < 2_000; job++) {
                p.chunks(97, 5, (w, s, e) -> {
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
            }
            for (int i = 0; i < 97; i++) assertEquals(2_000, hits.get(i), "index " + i);
        }
    }

    @Test
    void workersParkWhenIdleAndWakeForTheNextJob() throws InterruptedException {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            p.split(10, 1, (w, s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
            Thread.sleep(50); // long past the spin time: the worker is parked now
            p.split(10, 1, (w, s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
            for (int i = 0; i < 10; i++) assertEquals(2, hits.get(i));
        }
    }

    @Test
    void nestedCallsRunInline() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(16);
            p.split(4, 1, (w, s, e) -> {
                for (int i = s; i < e; i++) {
                    int base = i * 4;
                    p.split(4, 1, (w2, s2, e2) -> { for (int j = s2; j < e2; j++) hits.incrementAndGet(base + j); });
                }
            });
            assertEachOnce(hits, "nested");
        }
    }

    @Test
    void failuresReachTheCaller() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.split(100, 1, (w, s, e2) -> {
                if (s <= 99 && 99 < e2 || s == 0) throw new IllegalStateException("boom");
            }));
            assertEquals("boom", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(5);
            p.split(5, 1, (w, s, e2) -> { for (int i = s; i < e2; i++) hits.incrementAndGet(i); });
            assertEachOnce(hits, "after a failure");
        }
    }

    @Test
    void rejectsNonPositiveThreadCounts() {
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }
}
