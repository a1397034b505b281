package dev.tessera.model.server;

import dev.tessera.model.chat.ChatMessage;
import java.util.List;

/** What a completion continues: raw text (/v1/completions) or a conversation (/v1/chat/completions). */
public sealed interface Prompt {
    /** Text the model continues as is. */
    record Text(String text) implements Prompt {}

    /** Messages the engine renders with the model's chat template, ending with the assistant's turn opened. */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }
}
