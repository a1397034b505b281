package dev.tessera.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.model.FormatException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Each malformed safetensors file gives one FormatException line naming the file and field (quant-formats.md §7). */
class SafetensorsBadInputTest {
    private static final Path NAME = Path.of("bad.safetensors");

    private static MemorySegment file(long headerLength, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        return MemorySegment.ofArray(b.array());
    }

    private static MemorySegment file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    private static void expect(MemorySegment image, String... parts) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.of(NAME, image));
        String m = e.getMessage();
        assertTrue(m.startsWith("bad.safetensors: "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String p : parts) assertTrue(m.contains(p), "message lacks \"" + p + "\": " + m);
    }

    private static final String TWO = """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[4],"data_offsets":[8,16]}}""";

    @Test
    void validFileReads() {
        SafetensorsFile f = SafetensorsFile.of(NAME, file(TWO, 16));
        assertEquals(2, f.tensorInfos().size());
        assertEquals(8, f.bytes("b").byteSize());
    }

    @Test
    void shorterThanTheLengthField() { expect(MemorySegment.ofArray(new byte[5]), "header length", "needs 8 bytes"); }

    @Test
    void headerLongerThanTheFile() {
        byte[] h = TWO.getBytes(StandardCharsets.UTF_8);
        expect(file(h.length + 100, h, 0), "header length", "is longer than the file");
        expect(file(-1, h, 0), "header length", "18446744073709551615 is longer than the file");
    }

    @Test
    void badJson() { expect(file("{\"a\":{\"dtype\":\"F32\",", 0), "header", "bad JSON"); }

    @Test
    void headerNotAnObject() { expect(file("[1,2]", 0), "header", "bad JSON"); }

    @Test
    void invalidUtf8() { expect(file(3, new byte[] {'{', (byte) 0xC0, '}'}, 0), "header", "not valid UTF-8"); }

    @Test
    void duplicateKeys() {
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "header", "duplicate key \"a\"");
    }

    @Test
    void overlappingRanges() {
        expect(file("""
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12),
                "tensor b data_offsets", "overlaps tensor a");
    }

    @Test
    void rangesLeavingAGap() {
        expect(file("""
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
                "tensor b data_offsets", "unused");
    }

    @Test
    void trailingBytesNotCovered() { expect(file(TWO, 20), "data_offsets", "cover 16 bytes but the data holds 20"); }

    @Test
    void rangePastTheEnd() { expect(file(TWO, 12), "tensor b data_offsets", "[8, 16) runs past the end of the data (12 bytes)"); }

    @Test
    void sizeNotMatchingDtypeTimesShape() {
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "tensor a data_offsets",
                "holds 8 bytes, but F32 [3] needs 12 bytes");
    }

    @Test
    void shortRange() {
        expect(file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,6]}}", 6), "tensor a data_offsets", "needs 8 bytes");
    }

    @Test
    void endBeforeBegin() {
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4), "tensor a data_offsets", "begin <= end");
    }

    @Test
    void unknownDtype() {
        expect(file("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16), "tensor a dtype", "unknown dtype \"F128\"");
    }

    @Test
    void negativeDimension() {
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "tensor a shape", "non-negative");
    }

    @Test
    void dimensionProductOverflows() {
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4), "tensor a shape", "overflows");
    }

    @Test
    void missingFields() {
        expect(file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor a dtype", "missing");
        expect(file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor a shape", "missing");
        expect(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor a data_offsets", "expected [begin, end]");
        expect(file("{\"a\":7}", 0), "tensor a", "expected an object");
    }

    @Test
    void metadataMustBeStrings() {
        expect(file("{\"__metadata__\":{\"format\":1}}", 0), "__metadata__.format", "expected a string");
    }
}
