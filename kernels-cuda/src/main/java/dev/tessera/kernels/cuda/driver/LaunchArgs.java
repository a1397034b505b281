package dev.tessera.kernels.cuda.driver;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@code void** kernelParams} block of {@code cuLaunchKernel}: an array of pointers, pointer
 * {@code i} addressing the value of argument {@code i}. Values sit in 8-byte slots of one native
 * segment that is reused for every launch (the driver copies the values when the launch is
 * enqueued, also under stream capture), so a launch allocates nothing. Not thread-safe.
 */
public final class LaunchArgs {
    public static final int MAX_ARGS = 24;

    private final MemorySegment values;
    private final MemorySegment pointers;
    private final ArgType[] types = new ArgType[MAX_ARGS];
    private int count;

    /** Kinds of kernel parameters and their PTX spelling. */
    public enum ArgType {
        PTR(".u64"), I32(".u32"), I64(".u64"), F32(".f32");

        private final String ptx;

        ArgType(String ptx) { this.ptx = ptx; }

        /** The {@code .param} type PTX declares for a parameter of this kind. */
        public String ptxType() { return ptx; }
    }

    public LaunchArgs(Arena arena) {
        values = arena.allocate(8L * MAX_ARGS, 8);
        pointers = arena.allocate(ADDRESS, MAX_ARGS);
        for (int i = 0; i < MAX_ARGS; i++) pointers.setAtIndex(ADDRESS, i, values.asSlice(8L * i, 8));
    }

    public LaunchArgs reset() {
        count = 0;
        return this;
    }

    private long slot(ArgType t) {
        if (count == MAX_ARGS) throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
        types[count] = t;
        return 8L * count++;
    }

    /** A device pointer. */
    public LaunchArgs ptr(long devicePtr) {
        values.set(JAVA_LONG, slot(ArgType.PTR), devicePtr);
        return this;
    }

    public LaunchArgs i32(int v) {
        values.set(JAVA_INT, slot(ArgType.I32), v);
        return this;
    }

    public LaunchArgs i64(long v) {
        values.set(JAVA_LONG, slot(ArgType.I64), v);
        return this;
    }

    public LaunchArgs f32(float v) {
        values.set(JAVA_FLOAT, slot(ArgType.F32), v);
        return this;
    }

    public int count() { return count; }

    public ArgType type(int i) { return types[i]; }

    /** The {@code void**} to pass to {@code cuLaunchKernel}. */
    public MemorySegment pointers() { return pointers; }

    /** The value slot of argument {@code i} (for tests). */
    MemorySegment valueSlot(int i) { return values.asSlice(8L * i, 8); }
}
