package dev.tessera.model.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat whose prompt is fed to the model one turn at a time, so the KV cache of earlier turns is
 * kept. Each call renders the whole history and returns only the text not yet fed; if the format
 * re-renders earlier text differently (it should not), the turn says the cache must be rebuilt.
 */
public final class Conversation {
    /**
     * Text to feed next, to be encoded with {@code encode(text, fromStart, true)}: when
     * {@code fromStart}, clear the KV cache first and let the tokenizer add BOS.
     */
    public record Turn(String text, boolean fromStart) {}

    private final ChatFormat format;
    private final String endOfText;
    private final List<ChatMessage> messages = new ArrayList<>();
    private String fed = "";

    /** {@code endOfText}: the model's EOS text, used by formats that end turns with it (Zephyr). */
    public Conversation(ChatFormat format, String endOfText) {
        this.format = format;
        this.endOfText = endOfText;
    }

    public ChatFormat format() { return format; }

    public List<ChatMessage> messages() { return List.copyOf(messages); }

    /** Adds a message (system or user) and returns the prompt text that asks for the assistant's reply. */
    public Turn add(ChatMessage message) {
        messages.add(message);
        return next(format.render(messages, true, endOfText));
    }

    /**
     * Records the assistant's reply as generated (its text, without the end-of-turn token). The
     * reply's tokens are already in the cache, so they count as fed; the turn-end marker is fed
     * with the next turn.
     */
    public void addReply(String text) {
        fed = fed + text;
        messages.add(ChatMessage.assistant(text));
    }

    private Turn next(String full) {
        if (full.startsWith(fed)) {
            Turn t = new Turn(full.substring(fed.length()), fed.isEmpty());
            fed = full;
            return t;
        }
        fed = full;
        return new Turn(full, true);
    }
}
