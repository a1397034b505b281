package dev.tessera.model;

import java.nio.file.Path;

/**
 * A model, tokenizer or config file that cannot be read as what it claims to be. The message is
 * one line naming the file, the field and what was expected; the CLI prints it and exits 2.
 */
public class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Field names come from the file itself: keep a corrupt one from flooding the message. */
    private static final int MAX_FIELD = 160;

    public FormatException(String message) { super(message); }

    public FormatException(String message, Throwable cause) { super(message, cause); }

    /** {@code "<file>: <field>: <problem>"}, with control characters escaped so it stays one line. */
    public static FormatException of(Path file, String field, String problem) {
        return new FormatException(file + ": " + oneLine(field, MAX_FIELD) + ": " + oneLine(problem, Integer.MAX_VALUE));
    }

    private static String oneLine(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() >= max) return sb.append("…").toString();
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
