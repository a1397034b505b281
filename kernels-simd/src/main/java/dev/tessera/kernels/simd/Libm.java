package dev.tessera.kernels.simd;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library's single-precision {@code expf}, {@code sinf}, {@code cosf} and {@code powf}, called through
 * the FFM linker: llama.cpp calls them for SiLU tails and rotary angles, and they are not
 * correctly rounded, so matching its numbers needs the same functions. Where the C library
 * lacks one, the correctly rounded Java value is used instead.
 */
final class Libm {
    private Libm() {}

    private static final FunctionDescriptor UNARY = FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT);
    private static final MethodHandle EXPF = find("expf", UNARY), SINF = find("sinf", UNARY), COSF = find("cosf", UNARY),
            POWF = find("powf", FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT));

    private static MethodHandle find(String name, FunctionDescriptor type) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, type)).orElse(null);
    }

    static float powf(float x, float y) {
        if (POWF == null) return (float) Math.pow(x, y);
        try {
            return (float) POWF.invokeExact(x, y);
        } catch (Throwable t) {
            throw new IllegalStateException("C library call failed", t);
        }
    }

    static float expf(float x) {
        return EXPF == null ? (float) Math.exp(x) : call(EXPF, x);
    }

    static float sinf(float x) {
        return SINF == null ? (float) Math.sin(x) : call(SINF, x);
    }

    static float cosf(float x) {
        return COSF == null ? (float) Math.cos(x) : call(COSF, x);
    }

    private static float call(MethodHandle h, float x) {
        try {
            return (float) h.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("C library call failed", t);
        }
    }
}
