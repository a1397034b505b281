package dev.tessera.model.hub;

/**
 * A download from the Hugging Face Hub (or its cache) that could not be done: a one-line message
 * naming the repository or file and what to do about it. The CLI prints it and exits 2.
 */
public class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HubException(String message) { super(message); }

    public HubException(String message, Throwable cause) { super(message, cause); }
}
