package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Byte-exact comparison with the activation conversion of llama.cpp's x86 AVX2 CPU backend, on rows
 * with exact rounding ties, an all-zero block and equal magnitudes of both signs: vectors written by
 * {@code src/test/c/make_ggml_cpu_activation_vectors.c}.
 */
class ActivationQuantizerTest {

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q8_1", "Q8_K"})
    void blocksMatchGgmlCpuBackend(TensorType format) {
        ByteBuffer b = load(format);
        int rows = b.getInt(), cols = b.getInt();
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = b.getFloat();
        long rowBytes = format.bytesFor(cols);
        for (int r = 0; r < rows; r++) {
            MemorySegment got = ActivationQuantizer.quantize(format, x, r * cols, cols);
            for (long i = 0; i < rowBytes; i++) {
                assertEquals(b.get(), got.get(ValueLayout.JAVA_BYTE, i), format + " row " + r + " byte " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16"})
    void roundingMatchesGgmlCpuBackend(TensorType format) {
        ByteBuffer b = load(format);
        int rows = b.getInt(), cols = b.getInt();
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = b.getFloat();
        for (int i = 0; i < x.length; i++) {
            short bits = b.getShort();
            float want = Float.float16ToFloat(bits);
            assertEquals(want, ActivationQuantizer.round(format, x[i]), format + " element " + i);
        }
    }

    /** The x86 CPU backend rounds ties to even where the reference quantizer rounds them away from zero. */
    @Test
    void q8_0TiesRoundToEven() {
        float[] x = new float[32];
        x[0] = 127;
        x[1] = 2.5f;
        x[2] = -3.5f;
        MemorySegment q = ActivationQuantizer.quantize(TensorType.Q8_0, x, 0, 32);
        assertEquals(2, q.get(ValueLayout.JAVA_BYTE, 3));
        assertEquals(-4, q.get(ValueLayout.JAVA_BYTE, 4));
    }

    private static ByteBuffer load(TensorType format) {
        String name = "ggml/" + format.name().toLowerCase().replace("q8_k", "q8_K") + ".cpu";
        try (InputStream in = ActivationQuantizerTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            return ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
