package dev.tessera.model.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.testmodels.EmbeddedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One generation at a time through the public API, on the embedded model (distill3M, Q8_0). */
class LanguageModelTest {
    static final String PROMPT = "Once upon a time";
    static final GenerationOptions GREEDY_32 = GenerationOptions.builder().greedy().maxTokens(32).build();
    static Path path;
    static LanguageModel model;
    static String reference;

    @BeforeAll
    static void open() {
        path = EmbeddedModel.path();
        model = LanguageModel.open(path, LoadOptions.builder().contextLength(256).threads(2).batchSize(1).build());
        reference = Reference.greedy(path, PROMPT, 32);
    }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void greedyTextIsTheGeneratorsAndTheCachedPromptIsReused() {
        Completion first = model.generate(PROMPT, GREEDY_32).run();
        assertEquals(reference, first.text());
        assertEquals(32, first.generatedTokens());
        assertEquals(StopReason.MAX_TOKENS, first.stopReason());
        Completion again = model.generate(PROMPT, GREEDY_32).run();
        assertEquals(reference, again.text(), "a prompt found in the cache must give the same text");
        assertEquals(again.promptTokens() - 1, again.cachedTokens(), "all but the last prompt token come from the cache");
        int[] ids = model.tokenizer().encode(PROMPT, true, true);
        assertEquals(reference, model.generate(ids, GREEDY_32).run().text(), "from token ids");
        assertMessage("token 512", () -> model.generate(new int[] {1, 512}, GREEDY_32));
    }

    @Test
    void callbackIteratorAndPublisherStreamTheSameText() throws Exception {
        List<String> pieces = new ArrayList<>();
        Completion c = model.generate(PROMPT, GREEDY_32).run(pieces::add);
        assertEquals(reference, String.join("", pieces));
        assertEquals(reference, c.text());
        assertTrue(pieces.size() > 5, "text must arrive piece by piece, got " + pieces.size());

        StringBuilder iterated = new StringBuilder();
        Generation g = model.generate(PROMPT, GREEDY_32);
        try (TextIterator it = g.iterator()) {
            while (it.hasNext()) iterated.append(it.next());
        }
        assertEquals(reference, iterated.toString());
        assertEquals(StopReason.MAX_TOKENS, g.completion().get(10, TimeUnit.SECONDS).stopReason());

        OneAtATime subscriber = new OneAtATime(Integer.MAX_VALUE);
        model.generate(PROMPT, GREEDY_32).publisher().subscribe(subscriber);
        assertTrue(subscriber.done.await(60, TimeUnit.SECONDS), "publisher did not complete");
        assertNull(subscriber.error);
        assertTrue(subscriber.completed);
        assertEquals(reference, subscriber.text.toString());

        Flow.Publisher<String> once = model.generate(PROMPT, GREEDY_32.toBuilder().maxTokens(2).build()).publisher();
        OneAtATime first = new OneAtATime(Integer.MAX_VALUE), second = new OneAtATime(Integer.MAX_VALUE);
        once.subscribe(first);
        once.subscribe(second);
        assertTrue(first.done.await(60, TimeUnit.SECONDS) && second.done.await(60, TimeUnit.SECONDS));
        assertTrue(first.completed);
        assertInstanceOf(IllegalStateException.class, second.error, "a second subscriber is refused");
    }

    @Test
    void cancellingStopsBeforeTheNextToken() throws Exception {
        // with end of text banned only a cancellation ends these before 200 tokens
        GenerationOptions long200 = GenerationOptions.builder().greedy().maxTokens(200).logitBias(model.tokenizer().eos(), Float.NEGATIVE_INFINITY).build();

        Generation g = model.generate(PROMPT, long200);
        // the reference's first token (",") prints at once, so the callback cancels right after token 1
        assertTrue(reference.startsWith(","), reference);
        List<String> pieces = new ArrayList<>();
        Completion c = g.run(text -> {
            pieces.add(text);
            g.cancel();
        });
        assertEquals(StopReason.CANCELLED, c.stopReason());
        assertEquals(List.of(","), pieces, "no text after the cancel");
        assertTrue(c.generatedTokens() <= 2, "cancelled after 1 token, yet " + c.generatedTokens() + " were generated");

        Generation viaIterator = model.generate(PROMPT, long200);
        try (TextIterator it = viaIterator.iterator()) {
            assertTrue(it.hasNext());
            it.next();
        }
        Completion closed = viaIterator.completion().get(60, TimeUnit.SECONDS);
        assertEquals(StopReason.CANCELLED, closed.stopReason());
        assertTrue(closed.generatedTokens() < 10, closed.generatedTokens() + " tokens after closing the iterator");

        Generation viaPublisher = model.generate(PROMPT, long200);
        OneAtATime three = new OneAtATime(3);
        viaPublisher.publisher().subscribe(three);
        Completion cancelled = viaPublisher.completion().get(60, TimeUnit.SECONDS);
        assertEquals(StopReason.CANCELLED, cancelled.stopReason());
        assertTrue(cancelled.generatedTokens() < 10, cancelled.generatedTokens() + " tokens after cancelling the subscription");
        assertEquals(3, three.received);
        assertFalse(three.completed, "no onComplete after cancel");

        Generation early = model.generate(PROMPT, long200);
        early.cancel();
        assertEquals(0, early.run().generatedTokens(), "cancelled before it started");
    }

    @Test
    void stopStringsAndTokenLimit() {
        // a stop string from the middle of the reference text ends the text just before it
        String stop = reference.substring(reference.length() / 2, reference.length() / 2 + 4);
        Completion c = model.generate(PROMPT, GREEDY_32.toBuilder().stop(stop).build()).run();
        assertEquals(StopReason.STOP_STRING, c.stopReason());
        assertEquals(reference.substring(0, reference.indexOf(stop)), c.text());

        Completion five = model.generate(PROMPT, GREEDY_32.toBuilder().maxTokens(5).build()).run();
        assertEquals(5, five.generatedTokens());
        assertTrue(reference.startsWith(five.text()), five.text());
    }

    @Test
    void aSeedRepeatsASampledText() {
        GenerationOptions sampled = GenerationOptions.builder().temperature(1.2f).topK(0).topP(1f).minP(0f).maxTokens(24)
                .repeatPenalty(1.1f).repeatLastN(16).presencePenalty(0.2f).frequencyPenalty(0.1f).typicalP(0.95f).seed(7).build();
        String a = model.generate(PROMPT, sampled).run().text();
        assertEquals(a, model.generate(PROMPT, sampled).run().text());
        String b = model.generate(PROMPT, sampled.toBuilder().seed(8).build()).run().text();
        String c = model.generate(PROMPT, sampled.toBuilder().seed(9).build()).run().text();
        assertFalse(a.equals(b) && a.equals(c), "three seeds, one text: the seed is not used");
    }

    @Test
    void aRunOnceGeneration() {
        Generation g = model.generate(PROMPT, GREEDY_32.toBuilder().maxTokens(1).build());
        g.run();
        IllegalStateException e = assertThrows(IllegalStateException.class, g::run);
        assertTrue(e.getMessage().contains("runs once"), e.getMessage());
    }

    @Test
    void badOptionsNameTheOption() {
        assertMessage("topP", () -> GenerationOptions.builder().topP(0).build());
        assertMessage("maxTokens", () -> GenerationOptions.builder().maxTokens(-2).build());
        assertMessage("repeatLastN", () -> GenerationOptions.builder().repeatLastN(-3).build());
        assertMessage("draftMax", () -> GenerationOptions.builder().draftMax(65).build());
        assertMessage("draftModel", () -> GenerationOptions.builder().speculation(Speculation.DRAFT_MODEL).build());
        assertMessage("kvType", () -> LoadOptions.builder().kvType(dev.tessera.tensor.TensorType.Q8_0).build());
        assertMessage("logitBias token 512", () -> model.generate(PROMPT, GenerationOptions.builder().logitBias(512, 1f).build()));
        assertMessage("chatTemplate", () -> LanguageModel.open(path, LoadOptions.builder().chatTemplate("nonsense").build()));
        IllegalArgumentException noTemplate = assertThrows(IllegalArgumentException.class, () -> model.startChat());
        assertTrue(noTemplate.getMessage().contains("LoadOptions.chatTemplate"), noTemplate.getMessage());
    }

    @Test
    void aFullContextStopsOrShifts() {
        GenerationOptions unbounded = GenerationOptions.builder().greedy().maxTokens(-1).logitBias(model.tokenizer().eos(), Float.NEGATIVE_INFINITY).build();
        try (LanguageModel small = LanguageModel.open(path, LoadOptions.builder().contextLength(24).threads(1).build())) {
            Completion c = small.generate(PROMPT, unbounded).run();
            assertEquals(StopReason.CONTEXT_FULL, c.stopReason());
            // the last token comes from the logits of the 24th position; there is no room left to evaluate it
            assertEquals(24 + 1, c.promptTokens() + c.generatedTokens(), "prompt and generated tokens fill the context");
        }
        try (LanguageModel shifting = LanguageModel.open(path, LoadOptions.builder().contextLength(24).contextShift(true).threads(1).build())) {
            Completion c = shifting.generate(PROMPT, unbounded.toBuilder().maxTokens(40).build()).run();
            assertEquals(StopReason.MAX_TOKENS, c.stopReason());
            assertEquals(40, c.generatedTokens());
        }
    }

    @Test
    void closingCancelsWaitsAndRefusesFurtherUse() throws Exception {
        LanguageModel m = LanguageModel.open(path, LoadOptions.builder().contextLength(256).threads(1).build());
        GenerationOptions endless = GenerationOptions.builder().greedy().maxTokens(-1).logitBias(m.tokenizer().eos(), Float.NEGATIVE_INFINITY).build();
        Generation running = m.generate(PROMPT, endless);
        Generation notStarted = m.generate(PROMPT, endless);
        CountDownLatch firstText = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> running.run(s -> firstText.countDown()));
        assertTrue(firstText.await(60, TimeUnit.SECONDS));
        m.close();
        assertEquals(StopReason.CANCELLED, running.completion().get(0, TimeUnit.SECONDS).stopReason(), "close returns after the generation ended");
        t.join();
        assertTrue(m.isClosed());
        assertMessage(IllegalStateException.class, "closed", () -> m.generate(PROMPT, endless));
        assertMessage(IllegalStateException.class, "closed", notStarted::run);
        assertMessage(IllegalStateException.class, "closed", m::startChat);
        m.close(); // twice is harmless
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        assertMessage(IllegalArgumentException.class, part, e);
    }

    static void assertMessage(Class<? extends RuntimeException> type, String part, org.junit.jupiter.api.function.Executable e) {
        RuntimeException x = assertThrows(type, e);
        assertTrue(x.getMessage().contains(part), "message \"" + x.getMessage() + "\" should name " + part);
    }

    /** Asks for one piece at a time and cancels after {@code limit} pieces. */
    static final class OneAtATime implements Flow.Subscriber<String> {
        final int limit;
        final StringBuilder text = new StringBuilder();
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean completed;
        volatile Throwable error;
        volatile int received;
        Flow.Subscription subscription;

        OneAtATime(int limit) { this.limit = limit; }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(String item) {
            text.append(item);
            if (++received == limit) subscription.cancel();
            else subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            done.countDown();
        }

        @Override
        public void onComplete() {
            completed = true;
            done.countDown();
        }
    }
}
