package dev.tessera.model.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.json.Json;
import dev.tessera.testmodels.EmbeddedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Several threads generating with one model at once get exactly what each gets alone. */
class ConcurrentGenerationTest {
    static final List<String> PROMPTS = List.of("Once upon a time", "Lily and Ben", "The cat sat on the mat.", "He was very happy because");

    @Test
    void concurrentGreedyGenerationsEqualSolitaryOnes() throws Exception {
        Path path = EmbeddedModel.path();
        GenerationOptions greedy = GenerationOptions.builder().greedy().maxTokens(24).build();
        List<String> alone = new ArrayList<>();
        for (String p : PROMPTS) alone.add(Reference.greedy(path, p, 24));
        try (LanguageModel model = LanguageModel.open(path, LoadOptions.builder().contextLength(256).threads(2).batchSize(1).build())) {
            assertEquals(alone, runTogether(model, PROMPTS, greedy, true));
        }
    }

    /** The F32 model, four prompts at once, against llama.cpp's greedy output (shared/ref). */
    @Test
    @SuppressWarnings("unchecked")
    void concurrentGenerationsMatchLlamaCpp() throws Exception {
        Path ref = shared("ref/distill3M-llamacpp-greedy.json");
        Path file = shared("test-models/gguf/distill3M.gguf");
        List<String> prompts = new ArrayList<>(), want = new ArrayList<>();
        for (Object o : (List<Object>) Json.parseObject(Files.readString(ref)).get("cases")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (!m.get("model").equals("gguf/distill3M.gguf")) continue;
            String prompt = (String) m.get("prompt");
            prompts.add(prompt);
            // llama-cli prints " " + prompt + continuation
            want.add(((String) m.get("stdout")).substring(1 + prompt.length()).stripTrailing());
            assertEquals(64, ((Number) m.get("n_predict")).intValue());
        }
        assertEquals(4, prompts.size());
        // the first 32 of llama.cpp's 64 tokens keep the test short
        GenerationOptions greedy = GenerationOptions.builder().greedy().maxTokens(32).build();
        try (LanguageModel model = LanguageModel.open(file, LoadOptions.builder().contextLength(256).threads(2).batchSize(1).build())) {
            List<String> got = runTogether(model, prompts, greedy, false);
            for (int i = 0; i < got.size(); i++) {
                assertTrue(got.get(i).length() > 60 && want.get(i).startsWith(got.get(i)), "\nllama.cpp: " + want.get(i) + "\ngot:       " + got.get(i));
            }
        }
    }

    /** Runs one generation per prompt, each on its own thread, all released at once. */
    static List<String> runTogether(LanguageModel model, List<String> prompts, GenerationOptions o, boolean checkOverlap) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger active = new AtomicInteger(), maxActive = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            List<Future<String>> results = new ArrayList<>();
            for (String p : prompts) {
                Callable<String> job = () -> {
                    start.await();
                    boolean[] counted = {false};
                    try {
                        return model.generate(p, o).run(text -> {
                            if (!counted[0]) {
                                counted[0] = true;
                                maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                            }
                        }).text();
                    } finally {
                        if (counted[0]) active.decrementAndGet();
                    }
                };
                results.add(pool.submit(job));
            }
            start.countDown();
            List<String> texts = new ArrayList<>();
            for (Future<String> f : results) texts.add(f.get());
            if (checkOverlap) assertTrue(maxActive.get() >= 2, "the generations never overlapped; the test proves nothing");
            return texts;
        } finally {
            pool.shutdownNow();
        }
    }

    static Path shared(String relative) {
        String root = System.getProperty("tessera.shared");
        Assumptions.assumeTrue(root != null, "system property tessera.shared is not set: skipping test that needs shared data");
        Path p = Path.of(root).resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "shared data " + p + " is absent: skipping");
        return p;
    }
}
