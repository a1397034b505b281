package dev.tessera.model.api;

import dev.tessera.model.chat.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversation with a model in its chat format. Each turn renders the whole conversation, but
 * only the text after what the KV cache already holds is evaluated, so a long history costs
 * nothing on later turns (except after a speculative turn, which fills the cache afresh). Turns run one at a time (a second waits for the first); different
 * chats of one model may run at once. Close the chat to give its cache back to the model.
 */
public final class Chat implements AutoCloseable {
    private final LanguageModel model;
    private final List<ChatMessage> messages = new ArrayList<>();
    private Slot slot;

    Chat(LanguageModel model, String systemPrompt) {
        this.model = model;
        if (systemPrompt != null) messages.add(ChatMessage.system(systemPrompt));
    }

    /**
     * The assistant's reply to {@code userMessage}, not yet started. When it runs, the message and
     * the reply (as far as it got, also when cancelled) join the conversation.
     */
    public Generation send(String userMessage, GenerationOptions options) {
        ChatMessage user = ChatMessage.user(userMessage);
        model.check(options);
        return new Generation((self, out) -> model.guarded(self, () -> {
            synchronized (this) {
                messages.add(user);
                try {
                    int[] prompt = model.encode(model.render(messages));
                    if (slot == null) slot = model.borrow(prompt);
                    Completion c = slot.generate(prompt, options, out, self::isCancelled);
                    messages.add(ChatMessage.assistant(c.text()));
                    return c;
                } catch (RuntimeException | Error e) {
                    messages.remove(messages.size() - 1);
                    throw e;
                }
            }
        }));
    }

    /** The conversation so far: the system prompt, then user and assistant messages in turn. */
    public synchronized List<ChatMessage> messages() { return List.copyOf(messages); }

    /** Gives the KV cache back to the model for other generations. The chat can go on afterwards, with a fresh cache. */
    @Override
    public synchronized void close() {
        if (slot != null) model.giveBack(slot);
        slot = null;
    }
}
