package dev.tessera.model.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.testmodels.EmbeddedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every drafter through the options record: greedy speculative text is plain greedy text. */
class SpeculativeGenerationTest {
    static final String PROMPT = "Once upon a time";

    @Test
    void everyDrafterGivesThePlainGreedyText() {
        Path path = EmbeddedModel.path();
        String plain = Reference.greedy(path, PROMPT, 32);
        LoadOptions load = LoadOptions.builder().contextLength(256).threads(2).build();
        try (LanguageModel model = LanguageModel.open(path, load); LanguageModel draft = LanguageModel.open(path, load)) {
            GenerationOptions greedy = GenerationOptions.builder().greedy().maxTokens(32).draftMax(4).build();
            for (Speculation s : List.of(Speculation.NGRAM, Speculation.RECYCLE, Speculation.SELF)) {
                Completion c = model.generate(PROMPT, greedy.toBuilder().speculation(s).build()).run();
                assertEquals(plain, c.text(), s.name());
                assertEquals(32, c.generatedTokens(), s.name());
                assertEquals(StopReason.MAX_TOKENS, c.stopReason(), s.name());
            }
            Completion withDraft = model.generate(PROMPT, greedy.toBuilder().draftModel(draft).build()).run();
            assertEquals(plain, withDraft.text(), "draft model");

            // a plain generation after a speculative one on the same cache is still right
            assertEquals(plain, model.generate(PROMPT, greedy).run().text());
        }
    }

    @Test
    void stopStringsAndCancellationWorkWhileSpeculating() {
        Path path = EmbeddedModel.path();
        String plain = Reference.greedy(path, PROMPT, 32);
        try (LanguageModel model = LanguageModel.open(path, LoadOptions.builder().contextLength(256).threads(1).build())) {
            GenerationOptions ngram = GenerationOptions.builder().greedy().maxTokens(32).speculation(Speculation.NGRAM).build();
            String stop = plain.substring(plain.length() / 2, plain.length() / 2 + 4);
            Completion cut = model.generate(PROMPT, ngram.toBuilder().stop(stop).build()).run();
            assertEquals(StopReason.STOP_STRING, cut.stopReason());
            assertEquals(plain.substring(0, plain.indexOf(stop)), cut.text());

            Generation g = model.generate(PROMPT, ngram.toBuilder().maxTokens(200).logitBias(model.tokenizer().eos(), Float.NEGATIVE_INFINITY).build());
            List<String> pieces = new ArrayList<>();
            Completion c = g.run(text -> {
                pieces.add(text);
                g.cancel();
            });
            assertEquals(StopReason.CANCELLED, c.stopReason());
            assertEquals(1, pieces.size(), "no text after the cancel");
            assertTrue(c.generatedTokens() <= 2, c.generatedTokens() + " tokens");
        }
    }

    @Test
    void aSmallerDraftModelGivesThePlainGreedyText() {
        // stories260K shares distill3M's 512-token vocabulary: a real draft model, 13 times smaller
        Path draftFile = ConcurrentGenerationTest.shared("test-models/gguf/stories260K.gguf");
        Path path = EmbeddedModel.path();
        String plain = Reference.greedy(path, PROMPT, 32);
        LoadOptions load = LoadOptions.builder().contextLength(256).threads(1).build();
        try (LanguageModel model = LanguageModel.open(path, load); LanguageModel draft = LanguageModel.open(draftFile, load)) {
            Completion c = model.generate(PROMPT, GenerationOptions.builder().greedy().maxTokens(32).draftModel(draft).build()).run();
            assertEquals(plain, c.text());
        }
    }
}
