package dev.tessera.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.io.ByteSource;
import dev.tessera.model.testing.SharedData;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {
    @TempDir Path tmp;

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed * 7 + (i >> 8));
        return b;
    }

    /** Every value type, nested arrays, a non-default alignment, tensors of several types. */
    static GgufWriter sample(int version) {
        GgufValue nested = GgufValue.array(GgufValueType.ARRAY, List.of(
                GgufValue.array(GgufValueType.STRING, List.of("a", "ü", "")),
                GgufValue.array(GgufValueType.INT32, List.of(-1L, 2L))));
        GgufValue deep = GgufValue.array(GgufValueType.ARRAY, List.of(nested));
        return new GgufWriter().version(version)
                .put("general.architecture", GgufValue.string("llama"))
                .put("general.alignment", GgufValue.uint32(64))
                .put("t.u8", GgufValue.of(GgufValueType.UINT8, 255L))
                .put("t.i8", GgufValue.of(GgufValueType.INT8, -128L))
                .put("t.u16", GgufValue.of(GgufValueType.UINT16, 65535L))
                .put("t.i16", GgufValue.of(GgufValueType.INT16, -32768L))
                .put("t.u32", GgufValue.of(GgufValueType.UINT32, 0xffffffffL))
                .put("t.i32", GgufValue.of(GgufValueType.INT32, (long) Integer.MIN_VALUE))
                .put("t.f32", GgufValue.float32(1e-5f))
                .put("t.bool", GgufValue.of(GgufValueType.BOOL, true))
                .put("t.string", GgufValue.string("héllo ▁world"))
                .put("t.u64", GgufValue.of(GgufValueType.UINT64, -1L))
                .put("t.i64", GgufValue.of(GgufValueType.INT64, Long.MIN_VALUE))
                .put("t.f64", GgufValue.of(GgufValueType.FLOAT64, Math.PI))
                .put("t.nan", GgufValue.float32(Float.intBitsToFloat(0x7fc00001)))
                .put("t.floats", GgufValue.array(GgufValueType.FLOAT32, List.of(0.5f, -0.0f)))
                .put("t.bools", GgufValue.array(GgufValueType.BOOL, List.of(true, false)))
                .put("t.empty", GgufValue.array(GgufValueType.UINT8, List.of()))
                .put("t.nested", nested)
                .put("t.deep", deep)
                .tensor("a", TensorType.F32, Shape.of(3, 5), ByteSource.of(MemorySegment.ofArray(pattern(60, 1))))
                .tensor("b", TensorType.Q8_0, Shape.of(2, 64), ByteSource.of(MemorySegment.ofArray(pattern(136, 2))))
                .tensor(new Tensor("c", TensorType.F16, Shape.of(7), MemorySegment.ofArray(pattern(14, 3))))
                .tensor("d", TensorType.I8, Shape.of(1, 1, 1, 3), ByteSource.of(MemorySegment.ofArray(pattern(3, 4))));
    }

    @Test
    void writeThenReadGivesSameMetadataAndBytes() throws IOException {
        for (int version : new int[] {2, 3}) {
            Path p = tmp.resolve("s" + version + ".gguf");
            sample(version).write(p);
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(version, f.version());
                assertEquals(64, f.alignment());
                assertEquals(0, f.dataOffset() % 64);
                Map<String, GgufValue> md = f.metadata().asMap();
                assertEquals(20, md.size());
                assertEquals(GgufValue.of(GgufValueType.UINT8, 255L), md.get("t.u8"));
                assertEquals(GgufValue.of(GgufValueType.INT16, -32768L), md.get("t.i16"));
                assertEquals(GgufValue.of(GgufValueType.UINT32, 0xffffffffL), md.get("t.u32"));
                assertEquals(-1L, md.get("t.u64").value());
                assertEquals(Long.MIN_VALUE, md.get("t.i64").value());
                assertEquals(Math.PI, md.get("t.f64").value());
                assertEquals(0x7fc00001, Float.floatToRawIntBits((Float) md.get("t.nan").value()));
                assertEquals("héllo ▁world", f.metadata().requireString("t.string"));
                assertEquals(List.of(0.5f, -0.0f), md.get("t.floats").value());
                assertEquals(List.of(), md.get("t.empty").value());
                GgufValue nested = md.get("t.nested");
                assertEquals(GgufValueType.ARRAY, nested.elementType());
                GgufValue inner0 = (GgufValue) nested.asList().get(0);
                assertEquals(List.of("a", "ü", ""), inner0.value());
                assertEquals(List.of(-1L, 2L), ((GgufValue) nested.asList().get(1)).value());
                assertEquals(nested, ((GgufValue) md.get("t.deep").asList().get(0)));

                List<GgufTensorInfo> infos = f.tensorInfos();
                assertEquals(List.of("a", "b", "c", "d"), infos.stream().map(GgufTensorInfo::name).toList());
                long expectOffset = 0;
                for (GgufTensorInfo t : infos) {
                    assertEquals(expectOffset, t.offset(), t.name());
                    expectOffset += (t.byteSize() + 63) / 64 * 64;
                }
                assertEquals(f.dataOffset() + expectOffset, f.fileSize());
                assertEquals(Shape.of(2, 64), f.tensorInfo("b").shape());
                assertEquals(TensorType.Q8_0, f.tensorInfo("b").type());
                assertEquals(Shape.of(1, 1, 1, 3), f.tensorInfo("d").shape());
                assertArrayEquals(pattern(60, 1), f.tensor("a").data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(pattern(136, 2), f.tensor("b").data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(pattern(14, 3), f.tensor("c").data().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(pattern(3, 4), f.tensor("d").data().toArray(ValueLayout.JAVA_BYTE));
                assertTrue(f.tensor("a").data().isMapped(), "tensor data must be a view of the mapping");

                // Rewriting what was read reproduces the file exactly.
                Path again = tmp.resolve("again" + version + ".gguf");
                rewrite(f, again);
                assertEquals(-1L, Files.mismatch(p, again));
            }
        }
    }

    static void rewrite(GgufFile f, Path out) throws IOException {
        GgufWriter w = new GgufWriter().version(f.version()).putAll(f.metadata());
        for (GgufTensorInfo t : f.tensorInfos()) w.tensor(f.tensor(t.name()));
        w.write(out);
    }

    @Test
    void rewritingEverySharedGgufReproducesItByteForByte() throws IOException {
        Path gguf = SharedData.testModel("gguf");
        Path vocab = SharedData.testModel("vocab");
        List<Path> files;
        try (Stream<Path> a = Files.list(gguf); Stream<Path> b = Files.list(vocab)) {
            files = Stream.concat(a, b).filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertTrue(files.size() >= 20, "expected the shared GGUF files, found " + files.size());
        for (Path p : files) {
            Path out = tmp.resolve("copy.gguf");
            int tensorCount;
            try (GgufFile f = GgufFile.open(p)) {
                tensorCount = f.tensorCount();
                rewrite(f, out);
            }
            long mismatch = Files.mismatch(p, out);
            if (mismatch != -1 && tensorCount == 0 && mismatch == Files.size(out)) {
                // gguf-py pads a tensor-less file to the alignment, llama.cpp does not; the writer
                // follows llama.cpp, so only zero padding may differ.
                byte[] orig = Files.readAllBytes(p);
                assertTrue(orig.length - mismatch < 32, p.getFileName() + ": more than padding differs");
                for (long i = mismatch; i < orig.length; i++) assertEquals(0, orig[(int) i], p.getFileName() + " byte " + i);
                continue;
            }
            assertEquals(-1L, mismatch, "rewrite of " + p.getFileName() + " differs");
        }
    }

    @Test
    void failedWriteLeavesNoFileAndKeepsTheOldOne() throws IOException {
        ByteSource failing = new ByteSource() {
            @Override
            public long byteSize() { return 64; }

            @Override
            public void writeTo(WritableByteChannel out) throws IOException { throw new IOException("disk full (simulated)"); }
        };
        Path p = tmp.resolve("fail.gguf");
        GgufWriter w = new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .tensor("x", TensorType.F32, Shape.of(16), failing);
        assertThrows(IOException.class, () -> w.write(p));
        assertFalse(Files.exists(p));
        Files.writeString(p, "old");
        assertThrows(IOException.class, () -> w.write(p));
        assertEquals("old", Files.readString(p));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(p), s.toList(), "no temporary file may be left behind");
        }
    }

    @Test
    void writtenFilesAreNotOwnerOnly() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions needed");
        Path p = tmp.resolve("perm.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama")).write(p);
        Path ref = Files.createFile(tmp.resolve("ref"));
        assertEquals(Files.getPosixFilePermissions(ref), Files.getPosixFilePermissions(p), "same permissions as any new file");
    }

    @Test
    void sourceWritingTheWrongCountFails() {
        ByteSource shortSource = new ByteSource() {
            @Override
            public long byteSize() { return 64; }

            @Override
            public void writeTo(WritableByteChannel out) throws IOException { out.write(java.nio.ByteBuffer.allocate(10)); }
        };
        Path p = tmp.resolve("short.gguf");
        GgufWriter w = new GgufWriter().tensor("x", TensorType.F32, Shape.of(16), shortSource);
        assertThrows(IOException.class, () -> w.write(p));
        assertFalse(Files.exists(p));
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = new GgufWriter();
        MemorySegment four = MemorySegment.ofArray(new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.of(GgufValueType.UINT8, 256L)));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.of(GgufValueType.STRING, 1L)));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("t", TensorType.F32, Shape.of(2), ByteSource.of(four)));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("q", TensorType.Q8_0, Shape.of(16), ByteSource.of(four)));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("p", TensorType.INT8_G32, Shape.of(32), ByteSource.of(four)));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("x".repeat(64), TensorType.F32, Shape.of(1), ByteSource.of(four)));
        w.tensor("t", TensorType.F32, Shape.of(1), ByteSource.of(four));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("t", TensorType.F32, Shape.of(1), ByteSource.of(four)));
        w.put("general.alignment", GgufValue.uint32(48));
        assertThrows(IllegalArgumentException.class, () -> w.write(tmp.resolve("x.gguf")));
    }
}
