package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.testmodels.TinyModel;
import dev.tessera.testmodels.TinyModelWriter;
import dev.tessera.testmodels.TinySpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two chat turns on a random-weight Qwen2 GGUF whose template is ChatML. */
class ChatCommandTest {
    @TempDir
    Path tmp;

    private String model() throws Exception {
        Path p = tmp.resolve("tiny-qwen2.gguf");
        TinyModelWriter.writeGguf(TinyModel.random(TinySpec.of("qwen2", false), 5), p);
        return p.toString();
    }

    /** The replies printed after each "> " prompt. */
    private static List<String> replies(String out) {
        String[] parts = out.split("> ", -1);
        return List.of(parts).subList(1, parts.length - 1).stream().map(String::strip).toList();
    }

    @Test
    void twoTurnsKeepTheCacheAndExit() throws Exception {
        String m = model();
        CliHarness r = CliHarness.run("hello there\nand again\n/exit\n", "chat", "-m", m, "--temp", "0", "-n", "6",
                "--system", "be brief");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("chat format chatml"), r.err());
        List<String> replies = replies(r.out());
        assertEquals(2, replies.size(), r.out());
        // the same conversation again gives the same replies (greedy, cache reused the same way)
        assertEquals(replies, replies(CliHarness.run("hello there\nand again\n/exit\n", "chat", "-m", m, "--temp", "0",
                "-n", "6", "--system", "be brief").out()));
        // a different first turn changes the second reply's context
        List<String> other = replies(CliHarness.run("something else\nand again\n/exit\n", "chat", "-m", m, "--temp", "0",
                "-n", "6", "--system", "be brief").out());
        assertEquals(2, other.size());
    }

    @Test
    void endOfInputLeavesCleanly() throws Exception {
        CliHarness r = CliHarness.run("hi\n", "chat", "-m", model(), "--temp", "0", "-n", "3");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, replies(r.out()).size(), r.out());
    }

    @Test
    void contextFullStartsOver() throws Exception {
        CliHarness r = CliHarness.run("a long first message here\nsecond one\n/exit\n", "chat", "-m", model(), "--temp", "0",
                "-n", "20", "-c", "24");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("context is full"), r.err());
    }
}
