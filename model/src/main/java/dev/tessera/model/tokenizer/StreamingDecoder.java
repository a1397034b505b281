package dev.tessera.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated ids into text as they arrive. Bytes of a UTF-8 character split across tokens are
 * held back until the character is complete; control tokens print nothing; the SPM dummy-prefix
 * space is dropped right after BOS, as llama2.c and SentencePiece do.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[8];
    private int pendingLen;
    private int prev = Integer.MIN_VALUE;

    StreamingDecoder(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** The text that became complete with {@code id}; may be empty. */
    public String push(int id) {
        int before = prev;
        prev = id;
        if (tokenizer.isControl(id)) return "";
        byte[] p = tokenizer.pieceRef(id);
        int from = before != Integer.MIN_VALUE && tokenizer.stripsLeadingSpace(before) && p.length > 0 && p[0] == ' ' ? 1 : 0;
        for (int i = from; i < p.length; i++) append(p[i]);
        int complete = completePrefix();
        if (complete == 0) return "";
        String s = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLen - complete);
        pendingLen -= complete;
        return s;
    }

    /** Whatever is still held back (an incomplete character), as replacement characters; resets the decoder. */
    public String flush() {
        String s = new String(pending, 0, pendingLen, StandardCharsets.UTF_8);
        pendingLen = 0;
        prev = Integer.MIN_VALUE;
        return s;
    }

    private void append(byte b) {
        if (pendingLen == pending.length) pending = Arrays.copyOf(pending, pendingLen * 2);
        pending[pendingLen++] = b;
    }

    /**
     * Length of the longest prefix that does not end inside a UTF-8 sequence. Only an unfinished
     * sequence at the very end is held back; malformed bytes elsewhere pass through (as U+FFFD).
     */
    private int completePrefix() {
        int n = pendingLen;
        // Walk back over at most 3 continuation bytes to the last lead byte.
        int i = n - 1, cont = 0;
        while (i >= 0 && cont < 3 && (pending[i] & 0xC0) == 0x80) {
            i--;
            cont++;
        }
        if (i < 0) return n;
        int lead = pending[i] & 0xFF;
        int need = lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (lead < 0xC0 || lead >= 0xF8) return n;
        return cont + 1 < need ? i : n;
    }
}
