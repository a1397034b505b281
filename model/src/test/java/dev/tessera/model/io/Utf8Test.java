package dev.tessera.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8#decodeOrNull} against the JDK's strict (reporting) UTF-8 decoder. */
class Utf8Test {
    private static String strict(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return d.decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @Test
    void validTextAndAGenuineReplacementCharacterDecode() {
        CharsetDecoder d = Utf8.strictDecoder();
        assertEquals("Ġthe ĊĊ 日本 🦙", Utf8.decodeOrNull(d, "Ġthe ĊĊ 日本 🦙".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\uFFFDb", Utf8.decodeOrNull(d, bytes('a', 0xEF, 0xBF, 0xBD, 'b')));
        assertEquals("", Utf8.decodeOrNull(d, new byte[0]));
    }

    @Test
    void malformedInputIsNull() {
        CharsetDecoder d = Utf8.strictDecoder();
        assertNull(Utf8.decodeOrNull(d, bytes(0xC3, 0x28)), "bad continuation");
        assertNull(Utf8.decodeOrNull(d, bytes(0xC0, 0xAF)), "overlong");
        assertNull(Utf8.decodeOrNull(d, bytes(0xED, 0xA0, 0x80)), "encoded surrogate");
        assertNull(Utf8.decodeOrNull(d, bytes('x', 0xE2, 0x82)), "truncated");
        assertNull(Utf8.decodeOrNull(d, bytes(0xF8, 0x88, 0x80, 0x80, 0x80)), "5-byte form");
    }

    @Test
    void randomBytesDecodeAsTheStrictDecoderDoes() {
        Random rnd = new Random(7);
        int[] alphabet = {'a', ' ', 0x7F, 0x80, 0xBF, 0xBD, 0xC2, 0xC3, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F};
        CharsetDecoder d = Utf8.strictDecoder();
        for (int i = 0; i < 50_000; i++) {
            byte[] b = new byte[rnd.nextInt(7)];
            for (int k = 0; k < b.length; k++) b[k] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : alphabet[rnd.nextInt(alphabet.length)]);
            assertEquals(strict(b), Utf8.decodeOrNull(d, b), () -> java.util.HexFormat.of().formatHex(b));
        }
    }
}
