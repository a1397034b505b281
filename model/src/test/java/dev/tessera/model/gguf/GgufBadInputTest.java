package dev.tessera.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.FormatException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each malformed GGUF gives one FormatException line naming the file, the field and what was expected. */
class GgufBadInputTest {
    private static final Path NAME = Path.of("bad.gguf");
    private static final int F32 = 0;

    @TempDir Path tmp;

    private static String fail(MemorySegment image) {
        FormatException e = assertThrows(FormatException.class, () -> GgufFile.of(NAME, image));
        String m = e.getMessage();
        assertTrue(m.startsWith("bad.gguf: "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    private static void expect(MemorySegment image, String... parts) {
        String m = fail(image);
        for (String p : parts) assertTrue(m.contains(p), "message lacks \"" + p + "\": " + m);
    }

    /** A valid file with one F32 tensor of 8 elements. */
    private static RawBytes oneTensor(String name, long[] ne, int type, long offset, int dataBytes) {
        return RawBytes.gguf(1, 1).str("general.architecture").u32(8).str("llama")
                .tensor(name, ne, type, offset).align(32).zeros(dataBytes);
    }

    @Test
    void validMinimalFileReads() {
        GgufFile f = GgufFile.of(NAME, oneTensor("w", new long[] {8}, F32, 0, 32).segment());
        assertEquals(1, f.tensorCount());
        assertEquals("llama", f.metadata().requireString("general.architecture"));
    }

    @Test
    void emptyFile() { expect(MemorySegment.ofArray(new byte[0]), "magic", "truncated"); }

    @Test
    void truncatedHeader() {
        byte[] b = oneTensor("w", new long[] {8}, F32, 0, 32).bytes();
        expect(MemorySegment.ofArray(Arrays.copyOf(b, 60)), "general.architecture length", "truncated");
    }

    @Test
    void truncatedTensorData() {
        byte[] b = oneTensor("w", new long[] {8}, F32, 0, 32).bytes();
        expect(MemorySegment.ofArray(Arrays.copyOf(b, b.length - 1)), "tensor w data", "past the end");
    }

    @Test
    void wrongMagic() { expect(new RawBytes().put("GGML".getBytes()).u32(3).u64(0).u64(0).segment(), "magic", "expected \"GGUF\""); }

    @Test
    void unsupportedVersion() {
        expect(new RawBytes().u32(GgufFile.MAGIC).u32(1).u64(0).u64(0).segment(), "version", "expected 2 or 3, found 1");
        expect(new RawBytes().u32(GgufFile.MAGIC).u32(4).u64(0).u64(0).segment(), "version", "found 4");
    }

    @Test
    void bigEndianFile() {
        expect(new RawBytes().u32(GgufFile.MAGIC).u32(Integer.reverseBytes(3)).u64(0).u64(0).segment(), "version", "big-endian");
    }

    @Test
    void stringLengthPastTheEnd() {
        expect(RawBytes.gguf(0, 1).u64(1L << 40).put("abcdefghijklmnop".getBytes()).segment(), "metadata key #0", "needs 1099511627776 bytes");
    }

    @Test
    void stringValueLengthPastTheEnd() {
        expect(RawBytes.gguf(0, 1).str("k").u32(8).u64(-1L).segment(), "k", "needs 18446744073709551615 bytes");
    }

    @Test
    void arrayLengthPastTheEnd() {
        expect(RawBytes.gguf(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1L << 60).segment(),
                "tokenizer.ggml.tokens", "array length 1152921504606846976 runs past the end");
    }

    @Test
    void hugeCountsAreRejectedBeforeAllocating() {
        expect(RawBytes.gguf(Long.MAX_VALUE, 0).segment(), "tensor_count", "more than the file can hold");
        expect(RawBytes.gguf(0, -1L).segment(), "metadata_kv_count", "18446744073709551615");
    }

    @Test
    void tensorDataPastTheEnd() {
        expect(oneTensor("w", new long[] {8}, F32, 32, 32).segment(), "tensor w data", "range [32, +32) runs past the end");
    }

    @Test
    void offsetNotAligned() {
        expect(oneTensor("w", new long[] {8}, F32, 4, 64).segment(), "tensor w offset", "4 is not a multiple of the alignment 32");
    }

    @Test
    void dimensionProductOverflows() {
        expect(oneTensor("w", new long[] {1L << 32, 1L << 32}, F32, 0, 32).segment(), "tensor w dimensions", "overflows");
    }

    @Test
    void zeroDimension() {
        expect(oneTensor("w", new long[] {8, 0}, F32, 0, 32).segment(), "tensor w ne[1]", "expected a dimension > 0, found 0");
    }

    @Test
    void negativeDimension() {
        expect(oneTensor("w", new long[] {-8}, F32, 0, 32).segment(), "tensor w ne[0]", "18446744073709551608");
    }

    @Test
    void tooManyDimensions() {
        expect(oneTensor("w", new long[] {1, 1, 1, 1, 8}, F32, 0, 32).segment(), "tensor w n_dims", "expected 1..4, found 5");
    }

    @Test
    void duplicateTensorNames() {
        MemorySegment s = RawBytes.gguf(2, 0).tensor("w", new long[] {8}, F32, 0).tensor("w", new long[] {8}, F32, 32)
                .align(32).zeros(64).segment();
        expect(s, "tensor w", "duplicate tensor name");
    }

    @Test
    void duplicateMetadataKeys() {
        expect(RawBytes.gguf(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).segment(), "k", "duplicate metadata key");
    }

    @Test
    void overlappingTensors() {
        MemorySegment s = RawBytes.gguf(2, 0).tensor("a", new long[] {16}, F32, 0).tensor("b", new long[] {8}, F32, 32)
                .align(32).zeros(64).segment();
        expect(s, "tensor b offset", "overlaps tensor a");
    }

    @Test
    void unknownTensorType() {
        expect(oneTensor("w", new long[] {8}, 99, 0, 32).segment(), "tensor w type", "unknown ggml type id 99");
        expect(oneTensor("w", new long[] {32}, 1024, 0, 64).segment(), "tensor w type", "unknown ggml type id 1024");
        expect(oneTensor("w", new long[] {256}, 16, 0, 128).segment(), "tensor w type", "ggml type IQ2_XXS (id 16) is not supported");
        expect(oneTensor("w", new long[] {32}, 31, 0, 64).segment(), "tensor w type", "Q4_0_4_4 (removed from GGUF) (id 31)");
    }

    @Test
    void unknownValueType() {
        expect(RawBytes.gguf(0, 1).str("k").u32(13).u32(0).segment(), "k", "unknown value type 13");
        expect(RawBytes.gguf(0, 1).str("k").u32(9).u32(77).u64(0).segment(), "k", "unknown array element type 77");
    }

    @Test
    void invalidUtf8() {
        expect(RawBytes.gguf(0, 1).str(new byte[] {'k', (byte) 0xC3}).u32(4).u32(1).segment(), "metadata key #0", "not valid UTF-8");
        expect(RawBytes.gguf(0, 1).str("k").u32(8).str(new byte[] {(byte) 0xFF, 'x'}).segment(), "k", "not valid UTF-8");
    }

    @Test
    void boolOtherThanZeroOrOne() {
        expect(RawBytes.gguf(0, 1).str("flag").u32(7).u8(2).segment(), "flag", "expected a bool (0 or 1), found 2");
    }

    @Test
    void alignmentNotAPowerOfTwo() {
        expect(RawBytes.gguf(0, 1).str("general.alignment").u32(4).u32(48).segment(), "general.alignment", "power of two");
        expect(RawBytes.gguf(0, 1).str("general.alignment").u32(8).str("32").segment(), "general.alignment", "expected an integer");
    }

    @Test
    void rowNotAWholeNumberOfBlocks() {
        expect(oneTensor("w", new long[] {16}, 8, 0, 32).segment(), "tensor w ne[0]", "not a multiple of the Q8_0 block length 32");
    }

    @Test
    void controlCharactersInNamesStayOnOneLine() {
        String m = fail(RawBytes.gguf(0, 1).str("evil\nkey").u32(99).segment());
        assertTrue(m.contains("evil\\x0akey"), m);
    }

    @Test
    void nestingTooDeep() {
        RawBytes b = RawBytes.gguf(0, 1).str("deep").u32(9);
        for (int i = 0; i < 9; i++) b.u32(9).u64(1);
        expect(b.u32(4).u64(0).segment(), "deep", "nested deeper than 8");
    }

    @Test
    void missingFileAndDirectory() throws IOException {
        FormatException e = assertThrows(FormatException.class, () -> GgufFile.open(tmp.resolve("nope.gguf")));
        assertEquals(tmp.resolve("nope.gguf") + ": no such file", e.getMessage());
        e = assertThrows(FormatException.class, () -> GgufFile.open(tmp));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(oneTensor("w", new long[] {8}, F32, 0, 32).bytes(), 30));
        e = assertThrows(FormatException.class, () -> GgufFile.open(cut));
        assertTrue(e.getMessage().startsWith(cut + ": "), e.getMessage());
    }
}
