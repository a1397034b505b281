package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.model.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With no {@code -m}, commands use the model packed in the jar (distill3M Q8_0), and its greedy
 * output must be exactly what llama.cpp prints for the same file.
 */
class EmbeddedModelRunTest {
    /**
     * llama.cpp build 4748 ({@code llama-cli -m distill3M-Q8_0.gguf -p "Once upon a time" -n 64 --temp 0},
     * from shared/ref/distill3M-llamacpp-greedy.json), kept here so the test runs without ../shared.
     */
    private static final String LLAMA_CPP_ONCE_UPON_A_TIME = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the park. One day, she saw a big, shiny ball in the park. She wanted to show it to her friend, Tom.\n\"";

    @BeforeAll
    static void privateCache() throws Exception {
        System.setProperty("tessera.cache", Files.createTempDirectory("tessera-cache").toString());
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private static String greedy(String prompt) {
        return run("run", "-p", prompt, "-n", "64", "--temp", "0")[0].stripTrailing();
    }

    @Test
    void greedyStoryEqualsLlamaCpp() {
        sameAsLlamaCpp("Once upon a time", LLAMA_CPP_ONCE_UPON_A_TIME);
    }

    private static void sameAsLlamaCpp(String prompt, String want) {
        assertEquals(want, greedy(prompt), "prompt \"" + prompt + "\"");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyReferencePromptEqualsLlamaCpp() throws Exception {
        String root = System.getProperty("tessera.shared");
        assumeTrue(root != null && Files.exists(Path.of(root, "ref")), "shared/ref is absent: skipping the other reference prompts");
        Map<String, Object> ref = Json.parseObject(Files.readString(Path.of(root, "ref", "distill3M-llamacpp-greedy.json")));
        int checked = 0;
        for (Object o : (List<Object>) ref.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (!c.get("model").equals("gguf/distill3M-Q8_0.gguf")) continue;
            sameAsLlamaCpp((String) c.get("prompt"), ((String) c.get("stdout")).strip());
            checked++;
        }
        assertTrue(checked >= 4, "expected the four Q8_0 reference prompts, found " + checked);
    }

    @Test
    void infoSaysWhichModelItUsed() {
        String out = run("info")[0];
        assertTrue(out.contains("embedded model distill3M-Q8_0.gguf"), out);
        assertTrue(out.contains("layers:           4"), out);
    }
}
