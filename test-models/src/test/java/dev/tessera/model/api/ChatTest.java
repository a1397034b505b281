package dev.tessera.model.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.chat.ChatMessage;
import dev.tessera.testmodels.EmbeddedModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Chat through the model's chat format; later turns reuse the cache of the earlier ones. */
class ChatTest {
    static final GenerationOptions GREEDY_12 = GenerationOptions.builder().greedy().maxTokens(12).build();

    @Test
    void laterTurnsReuseTheCacheAndAnswerAsAFreshPromptWould() {
        Path path = EmbeddedModel.path();
        // the embedded model has no chat template of its own
        LoadOptions load = LoadOptions.builder().contextLength(256).threads(2).batchSize(1).chatTemplate("zephyr").build();
        try (LanguageModel model = LanguageModel.open(path, load); Chat chat = model.startChat("You tell stories.")) {
            Completion first = chat.send("Tell me about a cat.", GREEDY_12).run();
            assertEquals(0, first.cachedTokens());
            Completion second = chat.send("What did the cat do next?", GREEDY_12).run();
            assertTrue(second.cachedTokens() >= first.promptTokens(),
                    "turn 2 evaluated " + (second.promptTokens() - second.cachedTokens()) + " of " + second.promptTokens() + " prompt tokens");

            List<ChatMessage> history = chat.messages();
            assertEquals(List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Tell me about a cat."), ChatMessage.assistant(first.text()),
                    ChatMessage.user("What did the cat do next?"), ChatMessage.assistant(second.text())), history);
            // the second reply is what the whole conversation, rendered and evaluated from scratch, gives
            String rendered = model.chatFormat().render(history.subList(0, 4), true, "</s>");
            assertEquals(Reference.greedy(path, rendered, 12), second.text());
            // and what a one-shot generation of those messages gives
            assertEquals(second.text(), model.generate(history.subList(0, 4), GREEDY_12).run().text());
        }
    }

    @Test
    void aFailedOrCancelledTurnKeepsTheHistoryConsistent() {
        LoadOptions load = LoadOptions.builder().contextLength(256).threads(1).chatTemplate("chatml").build();
        try (LanguageModel model = LanguageModel.open(EmbeddedModel.path(), load); Chat chat = model.startChat()) {
            Generation g = chat.send("Hello", GREEDY_12);
            RuntimeException boom = new RuntimeException("consumer failed");
            assertSame(boom, assertThrows(RuntimeException.class, () -> g.run(text -> { throw boom; })));
            assertEquals(List.of(), chat.messages(), "a failed turn leaves no trace");

            Generation cancelled = chat.send("Hello", GREEDY_12);
            Completion c = cancelled.run(text -> cancelled.cancel());
            assertEquals(StopReason.CANCELLED, c.stopReason());
            assertEquals(List.of(ChatMessage.user("Hello"), ChatMessage.assistant(c.text())), chat.messages(), "a cancelled reply is kept as far as it got");
        }
    }
}
