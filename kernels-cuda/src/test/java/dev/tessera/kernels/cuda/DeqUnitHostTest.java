package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessera.kernels.cuda.ptx.NvccCompiler;
import dev.tessera.quant.Dequantizer;
import dev.tessera.tensor.HalfFloats;
import dev.tessera.tensor.TensorType;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernels' block decoders ({@code deq_unit} in common.cuh), compiled for the host by nvcc and
 * run on random blocks, against the Java reference dequantizer (bit for bit): checks every
 * layout detail of the GPU path without a GPU.
 */
class DeqUnitHostTest {
    private static Path harness;

    @BeforeAll
    static void build() throws Exception {
        NvccCompiler nvcc = CudaToolkit.nvcc();
        Path dir = Files.createTempDirectory("tessera-deq");
        harness = dir.resolve("deq_host");
        Process p = new ProcessBuilder(nvcc.nvcc().toString(), "-I", CudaToolkit.sourceDir().toString(), "-o", harness.toString(),
                Path.of("src/test/cuda/deq_host.cu").toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
    }

    @Test
    void everyKernelTypeDecodesLikeTheReference() throws Exception {
        Random rnd = new Random(20261122);
        for (TensorType t : KernelSpec.WEIGHT_SUFFIX.keySet()) {
            int elements = t.blockLength() == 256 ? 4 * 256 : 8 * 32 * Math.max(1, t.blockLength() / 32);
            byte[] row = randomRow(t, elements, rnd);
            float[] expected = new float[elements];
            Dequantizer.dequantizeRow(t, MemorySegment.ofArray(row), 0, expected, 0, elements);
            float[] actual = run(t, elements / 32, row);
            for (int i = 0; i < elements; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        t + " element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    /** Random bytes, with every FP16/BF16/F32 field set to a finite value of moderate size. */
    static byte[] randomRow(TensorType t, int elements, Random rnd) {
        ByteBuffer b = ByteBuffer.allocate((int) t.bytesFor(elements)).order(ByteOrder.LITTLE_ENDIAN);
        rnd.nextBytes(b.array());
        int blocks = elements / t.blockLength();
        int bb = t.blockBytes();
        switch (t) {
            case F32 -> { for (int i = 0; i < elements; i++) b.putFloat(4 * i, (float) rnd.nextGaussian()); }
            case F16 -> { for (int i = 0; i < elements; i++) b.putShort(2 * i, HalfFloats.f32ToF16((float) rnd.nextGaussian())); }
            case BF16 -> { for (int i = 0; i < elements; i++) b.putShort(2 * i, HalfFloats.f32ToBf16((float) rnd.nextGaussian())); }
            case Q8_0, Q4_0 -> { for (int k = 0; k < blocks; k++) b.putShort(k * bb, half(rnd)); }
            case Q4_K -> {
                for (int k = 0; k < blocks; k++) {
                    b.putShort(k * bb, half(rnd));
                    b.putShort(k * bb + 2, half(rnd));
                }
            }
            case Q6_K -> { for (int k = 0; k < blocks; k++) b.putShort(k * bb + 208, half(rnd)); }
            default -> throw new IllegalArgumentException(t.toString());
        }
        return b.array();
    }

    /** A half in roughly [-0.05, 0.05], including subnormals now and then. */
    private static short half(Random rnd) {
        float v = (float) (rnd.nextGaussian() * 0.02);
        if (rnd.nextInt(16) == 0) v *= 1e-4f;
        return HalfFloats.f32ToF16(v);
    }

    private static float[] run(TensorType t, int units, byte[] row) throws Exception {
        Process p = new ProcessBuilder(harness.toString(), Integer.toString(t.id()), Integer.toString(units)).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(row);
        }
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        ByteBuffer bytes = ByteBuffer.wrap(out.get()).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[units * 32];
        assertEquals(4 * f.length, bytes.remaining());
        bytes.asFloatBuffer().get(f);
        return f;
    }
}
