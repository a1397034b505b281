package dev.tessera.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.FormatException;
import dev.tessera.model.io.ByteSource;
import dev.tessera.model.llama2c.Llama2cCheckpoint;
import dev.tessera.model.testing.SharedData;
import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir Path tmp;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 13 + seed);
        return MemorySegment.ofArray(b);
    }

    @Test
    void everyDtypeRoundTrips() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("note", "ü");
        int seed = 0;
        for (SafetensorsDtype d : SafetensorsDtype.values()) {
            long[] shape = {2, 8};
            w.tensor("t." + d, d, shape, ByteSource.of(bytes(16 * d.bits() / 8, seed++)));
        }
        w.tensor("scalar", SafetensorsDtype.F32, new long[0], ByteSource.of(bytes(4, 99)));
        w.tensor("empty", SafetensorsDtype.F16, new long[] {3, 0}, ByteSource.of(MemorySegment.ofArray(new byte[0])));
        Path p = tmp.resolve("all.safetensors");
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "ü"), f.metadata());
            assertEquals(0, (f.dataOffset() - 8) % 8, "header padded to a multiple of 8");
            seed = 0;
            for (SafetensorsDtype d : SafetensorsDtype.values()) {
                SafetensorsTensorInfo info = f.info("t." + d);
                assertEquals(d, info.dtype());
                assertArrayEquals(new long[] {2, 8}, info.shape());
                assertEquals(-1L, bytes(16 * d.bits() / 8, seed++).mismatch(f.bytes("t." + d)), d.toString());
                if (d.tensorType().isPresent()) {
                    Tensor t = f.tensor("t." + d);
                    assertEquals(d.tensorType().get(), t.type());
                    assertEquals(Shape.of(2, 8), t.shape());
                    assertTrue(t.data().isMapped());
                } else {
                    FormatException e = assertThrows(FormatException.class, () -> f.tensor("t." + d));
                    assertTrue(e.getMessage().contains(d.name()), e.getMessage());
                }
            }
            assertEquals(Shape.of(), f.tensor("scalar").shape());
            assertEquals(0, f.bytes("empty").byteSize());
            assertThrows(FormatException.class, () -> f.tensor("empty"));
        }
    }

    @Test
    void tensorViewsMapTheirTypes() {
        assertEquals(SafetensorsDtype.BF16, SafetensorsDtype.of(TensorType.BF16));
        assertEquals(SafetensorsDtype.I64, SafetensorsDtype.of(TensorType.I64));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsDtype.of(TensorType.Q4_0));
    }

    /** The HF conversion of stories260K against the llama2.c original (PROVENANCE: bit-exact except the Q/K row permutation). */
    @Test
    void stories260KF32MatchesLlama2c() {
        Path dir = SharedData.testModel("safetensors/stories260K-hf-f32");
        try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir);
             Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.testModel("llama2c/stories260K.bin"))) {
            SafetensorsFile f = st.files().get(0);
            assertEquals(8 + 4856, f.dataOffset());
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(47, st.tensorNames().size());
            assertSame(ck.tokenEmbedding(), st.tensor("model.embed_tokens.weight"));
            assertSame(ck.tensor("rms_final"), st.tensor("model.norm.weight"));
            Map<String, String> plain = Map.of("self_attn.v_proj", "wv", "self_attn.o_proj", "wo", "mlp.gate_proj", "w1",
                    "mlp.down_proj", "w2", "mlp.up_proj", "w3", "input_layernorm", "rms_att", "post_attention_layernorm", "rms_ffn");
            for (int l = 0; l < 5; l++) {
                for (var e : plain.entrySet()) assertSame(ck.layer(l, e.getValue()), st.tensor("model.layers." + l + "." + e.getKey() + ".weight"));
                assertPermuted(ck.layer(l, "wq"), st.tensor("model.layers." + l + ".self_attn.q_proj.weight"), 8);
                assertPermuted(ck.layer(l, "wk"), st.tensor("model.layers." + l + ".self_attn.k_proj.weight"), 4);
            }
        }
    }

    private static void assertSame(Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), actual.name());
        assertEquals(-1L, expected.data().mismatch(actual.data()), actual.name());
    }

    /** HF row h*hs + k*hs/2 + j holds llama2.c row h*hs + 2j + k (interleaved → rotate-half). */
    private static void assertPermuted(Tensor interleaved, Tensor rotateHalf, int heads) {
        assertEquals(interleaved.shape(), rotateHalf.shape());
        int hs = (int) interleaved.rows() / heads;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < hs / 2; j++) {
                for (int k = 0; k < 2; k++) {
                    MemorySegment a = interleaved.row(h * hs + 2L * j + k);
                    MemorySegment b = rotateHalf.row(h * hs + (long) k * hs / 2 + j);
                    assertEquals(-1L, a.mismatch(b), rotateHalf.name() + " row " + (h * hs + k * hs / 2 + j));
                }
            }
        }
    }

    /** Every BF16 value is the round-to-nearest-even of the F32 one. */
    @Test
    void stories260KBf16IsRoundedF32() {
        try (SafetensorsCheckpoint f32 = SafetensorsCheckpoint.open(SharedData.testModel("safetensors/stories260K-hf-f32"));
             SafetensorsCheckpoint bf16 = SafetensorsCheckpoint.open(SharedData.testModel("safetensors/stories260K-hf-bf16"))) {
            assertEquals(f32.tensorNames(), bf16.tensorNames());
            assertEquals(8 + 4888, bf16.files().get(0).dataOffset());
            for (String name : f32.tensorNames()) {
                Tensor a = f32.tensor(name);
                Tensor b = bf16.tensor(name);
                assertEquals(TensorType.BF16, b.type());
                assertEquals(a.shape(), b.shape());
                for (long i = 0; i < a.shape().size(); i++) {
                    int bits = a.data().get(I32, 4 * i);
                    int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
                    assertEquals((short) rounded, b.data().get(I16, 2 * i), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void rewritingTheSharedFilesReproducesThemByteForByte() throws IOException {
        for (String dir : new String[] {"stories260K-hf-f32", "stories260K-hf-bf16"}) {
            Path src = SharedData.testModel("safetensors/" + dir + "/model.safetensors");
            Path out = tmp.resolve(dir + ".safetensors");
            try (SafetensorsFile f = SafetensorsFile.open(src)) {
                SafetensorsWriter w = new SafetensorsWriter();
                f.metadata().forEach(w::metadata);
                for (SafetensorsTensorInfo t : f.tensorInfos()) w.tensor(f.tensor(t.name()));
                w.write(out);
            }
            assertEquals(-1L, Files.mismatch(src, out), dir);
        }
    }

    private void writeShards(Path dir) throws IOException {
        Files.createDirectories(dir);
        new SafetensorsWriter().metadata("format", "pt")
                .tensor("a", SafetensorsDtype.F32, new long[] {2, 2}, ByteSource.of(bytes(16, 1)))
                .tensor("b", SafetensorsDtype.I8, new long[] {3}, ByteSource.of(bytes(3, 2)))
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
                .tensor("c", SafetensorsDtype.BF16, new long[] {4}, ByteSource.of(bytes(8, 3)))
                .write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    @Test
    void shardedCheckpointFollowsTheWeightMap() throws IOException {
        Path dir = tmp.resolve("sharded");
        writeShards(dir);
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"metadata": {"total_size": 27}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                 "c": "model-00002-of-00002.safetensors", "b": "model-00001-of-00002.safetensors"}}""");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("a", "c", "b"), ck.tensorNames());
            assertEquals(2, ck.files().size());
            assertEquals(Shape.of(2, 2), ck.tensor("a").shape());
            assertEquals(TensorType.BF16, ck.tensor("c").type());
            assertEquals(-1L, bytes(8, 3).mismatch(ck.bytes("c")));
            assertEquals(Map.of("format", "pt"), ck.metadata());
            assertThrows(FormatException.class, () -> ck.tensor("zzz"));
        }
    }

    @Test
    void shardedWriterSplitsBySizeAndReadsBack() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        new SafetensorsWriter().metadata("format", "pt")
                .tensor("a", SafetensorsDtype.F32, new long[] {4}, ByteSource.of(bytes(16, 1)))
                .tensor("b", SafetensorsDtype.F32, new long[] {2}, ByteSource.of(bytes(8, 2)))
                .tensor("big", SafetensorsDtype.U8, new long[] {40}, ByteSource.of(bytes(40, 3)))
                .tensor("c", SafetensorsDtype.I16, new long[] {3}, ByteSource.of(bytes(6, 4)))
                .writeSharded(dir, 24);
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("a", "b", "big", "c"), ck.tensorNames());
            assertEquals(3, ck.files().size(), "a+b fill 24 bytes, big alone, c alone");
            assertEquals("model-00002-of-00003.safetensors", ck.files().get(1).path().getFileName().toString());
            assertEquals(-1L, bytes(40, 3).mismatch(ck.bytes("big")));
            assertEquals(-1L, bytes(6, 4).mismatch(ck.bytes("c")));
            assertEquals(Map.of("format", "pt"), ck.files().get(2).metadata());
        }
        Map<String, Object> index = dev.tessera.model.json.Json.parseObject(Files.readString(dir.resolve(SafetensorsCheckpoint.INDEX)));
        assertEquals(70L, ((Map<?, ?>) index.get("metadata")).get("total_size"));
    }

    @Test
    void weightMapNamingAMissingTensorFails() throws IOException {
        Path dir = tmp.resolve("bad");
        writeShards(dir);
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"a": "model-00002-of-00002.safetensors"}}""");
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("weight_map.a: shard model-00002-of-00002.safetensors has no such tensor"), e.getMessage());
    }

    @Test
    void weightMapMayNotLeaveTheFolder() throws IOException {
        Path dir = tmp.resolve("escape");
        writeShards(dir);
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"weight_map": {"a": "../model-00001-of-00002.safetensors"}}""");
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("weight_map.a"), e.getMessage());
    }

    @Test
    void folderWithoutWeightsFails() throws IOException {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(tmp));
        assertTrue(e.getMessage().contains("expected model.safetensors.index.json"), e.getMessage());
    }
}
