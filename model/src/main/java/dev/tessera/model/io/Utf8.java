package dev.tessera.model.io;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding: malformed input is an error, never silently replaced. */
public final class Utf8 {
    private Utf8() {}

    /** A decoder that reports malformed or unmappable input; not thread-safe, reuse per reader. */
    public static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Decodes {@code bytes}, or returns null if they are not valid UTF-8. */
    public static String decodeOrNull(CharsetDecoder decoder, byte[] bytes) {
        return decodeOrNull(decoder, bytes, 0, bytes.length);
    }

    /** Decodes {@code bytes[off, off + len)}, or returns null if they are not valid UTF-8. */
    public static String decodeOrNull(CharsetDecoder decoder, byte[] bytes, int off, int len) {
        // The JDK's own decoding is several times faster than a CharsetDecoder (a 128K-token vocabulary
        // and its 280K merges are mostly non-ASCII) but replaces malformed input with U+FFFD: only a
        // string containing U+FFFD needs the strict decoder to tell the two apart.
        String s = new String(bytes, off, len, StandardCharsets.UTF_8);
        if (s.indexOf('\uFFFD') < 0) return s;
        try {
            return decoder.reset().decode(ByteBuffer.wrap(bytes, off, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
