package dev.tessera.model;

import java.nio.file.Path;

/**
 * A model, tokenizer or config file that cannot be read as what it claims to be. The message is
 * one line naming the file, the field and what was expected; the CLI prints it and exits 2.
 */
public class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) { super(message); }

    public FormatException(String message, Throwable cause) { super(message, cause); }

    /** {@code "<file>: <field>: <problem>"}. */
    public static FormatException of(Path file, String field, String problem) {
        return new FormatException(file + ": " + field + ": " + problem);
    }
}
