package dev.tessera.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufTensorInfo;
import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.GgufValueType;
import dev.tessera.model.gguf.GgufWriter;
import dev.tessera.model.io.ByteSource;
import dev.tessera.model.llama2c.Llama2cCheckpoint;
import dev.tessera.model.safetensors.SafetensorsDtype;
import dev.tessera.model.safetensors.SafetensorsFile;
import dev.tessera.model.safetensors.SafetensorsTensorInfo;
import dev.tessera.model.safetensors.SafetensorsWriter;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations (bit flips, byte overwrites, truncations, length-field edits, inserted
 * and deleted bytes) of small valid files made by the writers: every read must either succeed,
 * with every tensor view inside the image, or fail with a {@link FormatException}, and quickly.
 */
class FormatFuzzTest {
    private static final long SEED = 0x7e55e7aL;
    // Generous: a hang or an allocation from an unchecked length takes far longer, while a loaded
    // CI machine can pause any single case (GC, scheduling) for a few hundred milliseconds.
    private static final long PER_CASE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 63, 64, 255, 256, 0x7fff, 0xffff,
            0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -32};

    @TempDir Path tmp;

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 37 + 11);
        return b;
    }

    private byte[] validGguf() throws IOException {
        Path p = tmp.resolve("seed.gguf");
        new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .put("general.alignment", GgufValue.uint32(32))
                .put("llama.block_count", GgufValue.uint32(1))
                .put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f))
                .put("flag", GgufValue.of(GgufValueType.BOOL, true))
                .put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, List.of("<s>", "a", "▁b")))
                .put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, List.of(0f, -1f, -2f)))
                .put("nested", GgufValue.array(GgufValueType.ARRAY, List.of(GgufValue.array(GgufValueType.INT64, List.of(1L, 2L)))))
                .tensor("a", TensorType.F32, Shape.of(2, 4), ByteSource.of(MemorySegment.ofArray(pattern(32))))
                .tensor("b", TensorType.Q8_0, Shape.of(1, 32), ByteSource.of(MemorySegment.ofArray(pattern(34))))
                .tensor("c", TensorType.F16, Shape.of(6), ByteSource.of(MemorySegment.ofArray(pattern(12))))
                .write(p);
        return Files.readAllBytes(p);
    }

    private byte[] validSafetensors() throws IOException {
        Path p = tmp.resolve("seed.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .tensor("w", SafetensorsDtype.F32, new long[] {2, 3}, ByteSource.of(MemorySegment.ofArray(pattern(24))))
                .tensor("b", SafetensorsDtype.BF16, new long[] {4}, ByteSource.of(MemorySegment.ofArray(pattern(8))))
                .tensor("m", SafetensorsDtype.BOOL, new long[] {3}, ByteSource.of(MemorySegment.ofArray(pattern(3))))
                .tensor("s", SafetensorsDtype.I64, new long[0], ByteSource.of(MemorySegment.ofArray(pattern(8))))
                .write(p);
        return Files.readAllBytes(p);
    }

    private static byte[] validLlama2c() {
        int[] h = {8, 12, 1, 2, 1, 10, 4};
        int floats = 10 * 8 + (8 + 64 + 2 * 32 + 64 + 8 + 3 * 96) + 8 + 2 * 4 * 2; // ... rms_final, freq_cis real + imag [seq 4, head/2 2]
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : h) b.putInt(v);
        return b.array();
    }

    private static void checkGguf(MemorySegment image) {
        GgufFile f = GgufFile.of(Path.of("fuzz.gguf"), image);
        f.metadata().asMap().keySet().forEach(k -> f.metadata().get(k));
        for (GgufTensorInfo t : f.tensorInfos()) touch(f.tensor(t.name()).data());
    }

    private static void checkSafetensors(MemorySegment image) {
        SafetensorsFile f = SafetensorsFile.of(Path.of("fuzz.safetensors"), image);
        for (SafetensorsTensorInfo t : f.tensorInfos()) {
            touch(f.bytes(t.name()));
            if (t.dtype().tensorType().isPresent() && t.elementCount() > 0) {
                Tensor v = f.tensor(t.name());
                touch(v.data());
            }
        }
    }

    private static void checkLlama2c(MemorySegment image) {
        Llama2cCheckpoint ck = Llama2cCheckpoint.of(Path.of("fuzz.bin"), image);
        for (Tensor t : ck.tensors()) touch(t.data());
    }

    private static void touch(MemorySegment s) {
        if (s.byteSize() > 0) {
            s.get(ValueLayout.JAVA_BYTE, 0);
            s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1);
        }
    }

    /** One random mutation of {@code orig}; {@code what} receives a description for failure messages. */
    private static byte[] mutate(byte[] orig, SplittableRandom r, StringBuilder what) {
        byte[] b = orig.clone();
        int kind = r.nextInt(7);
        switch (kind) {
            case 0 -> { // bit flips
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    int pos = r.nextInt(b.length);
                    int bit = r.nextInt(8);
                    b[pos] ^= (byte) (1 << bit);
                    what.append("flip ").append(pos).append('.').append(bit).append(' ');
                }
            }
            case 1 -> { // random byte overwrite
                int pos = r.nextInt(b.length);
                b[pos] = (byte) r.nextInt(256);
                what.append("byte ").append(pos).append('=').append(b[pos]);
            }
            case 2 -> { // truncation
                int len = r.nextInt(b.length);
                what.append("truncate ").append(len);
                return Arrays.copyOf(b, len);
            }
            case 3, 4 -> { // 64-bit length field edit (lengths, counts, dims, offsets)
                int pos = r.nextInt(Math.max(1, b.length - 8));
                long v = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : r.nextLong(0, 1L << r.nextInt(1, 63));
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, v);
                what.append("u64@").append(pos).append('=').append(v);
            }
            case 5 -> { // 32-bit field edit (types, n_dims, versions)
                int pos = r.nextInt(Math.max(1, b.length - 4));
                int v = r.nextBoolean() ? (int) INTERESTING[r.nextInt(INTERESTING.length)] : r.nextInt(64);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, v);
                what.append("u32@").append(pos).append('=').append(v);
            }
            default -> { // insert or delete a few bytes
                int pos = r.nextInt(b.length);
                int n = 1 + r.nextInt(8);
                if (r.nextBoolean()) {
                    byte[] out = new byte[b.length + n];
                    System.arraycopy(b, 0, out, 0, pos);
                    System.arraycopy(b, pos, out, pos + n, b.length - pos);
                    what.append("insert ").append(n).append('@').append(pos);
                    return out;
                }
                n = Math.min(n, b.length - pos);
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, pos);
                System.arraycopy(b, pos + n, out, pos, b.length - pos - n);
                what.append("delete ").append(n).append('@').append(pos);
                return out;
            }
        }
        return b;
    }

    /** Runs {@code cases} mutations; returns how many still parsed. */
    private static int fuzz(String label, byte[] valid, int cases, long seed, Consumer<MemorySegment> reader) {
        reader.accept(MemorySegment.ofArray(valid)); // the seed itself must be valid
        SplittableRandom r = new SplittableRandom(seed);
        int ok = 0;
        for (int i = 0; i < cases; i++) {
            StringBuilder what = new StringBuilder();
            byte[] m = mutate(valid, r, what);
            long t0 = System.nanoTime();
            try {
                reader.accept(MemorySegment.ofArray(m));
                ok++;
            } catch (FormatException e) {
                if (e.getMessage().contains("\n")) fail(label + " case " + i + " (" + what + "): multi-line message " + e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError(label + " case " + i + " (" + what + "): " + t, t);
            }
            long dt = System.nanoTime() - t0;
            if (dt > PER_CASE_LIMIT_NANOS) fail(label + " case " + i + " (" + what + ") took " + dt / 1_000_000 + " ms");
        }
        return ok;
    }

    @Test
    @Timeout(60)
    void mutatedFilesFailCleanly() throws IOException {
        int gguf = fuzz("gguf", validGguf(), 12_000, SEED, FormatFuzzTest::checkGguf);
        int st = fuzz("safetensors", validSafetensors(), 10_000, SEED + 1, FormatFuzzTest::checkSafetensors);
        int l2c = fuzz("llama2c", validLlama2c(), 2_000, SEED + 2, FormatFuzzTest::checkLlama2c);
        // Some mutations land in tensor data and must still parse: the fuzzer reaches both outcomes.
        assertTrue(gguf > 100 && gguf < 12_000, "gguf mutations that parsed: " + gguf);
        assertTrue(st > 100 && st < 10_000, "safetensors mutations that parsed: " + st);
        assertTrue(l2c > 100 && l2c < 2_000, "llama2c mutations that parsed: " + l2c);
    }
}
