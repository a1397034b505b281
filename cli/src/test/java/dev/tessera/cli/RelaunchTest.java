package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelaunchTest {
    @Test
    void childGetsTheModuleTheMarkerAndTheUsersOptionsFirst() {
        List<String> cmd = Relaunch.command("java", List.of("-Xmx2g", "-Dx=1"), Path.of("/t/tessera.jar"), new String[] {"run", "-p", "hi"});
        assertEquals(List.of("java", "-Xmx2g", "-Dx=1"), cmd.subList(0, 3));
        assertTrue(cmd.contains("--add-modules=jdk.incubator.vector"), cmd.toString());
        assertTrue(cmd.contains("-Dtessera.relaunched=true"), "without the marker the child would relaunch again: " + cmd);
        assertTrue(cmd.contains("-Xmn32m"), cmd.toString());
        assertEquals(List.of("-cp", "/t/tessera.jar", "dev.tessera.cli.Main", "run", "-p", "hi"), cmd.subList(cmd.size() - 6, cmd.size()));
    }

    @Test
    void aYoungGenerationTheUserSizedIsKept() {
        List<String> cmd = Relaunch.command("java", List.of("-Xmn256m"), Path.of("t.jar"), new String[0]);
        assertFalse(cmd.contains("-Xmn32m"), cmd.toString());
        assertFalse(Relaunch.command("java", List.of("-XX:MaxNewSize=1g"), Path.of("t.jar"), new String[0]).contains("-Xmn32m"));
    }
}
