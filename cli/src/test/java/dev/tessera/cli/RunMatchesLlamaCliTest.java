package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.model.json.Json;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #3's check, through the command line with default options: {@code run -m MODEL -p PROMPT
 * -n 64 --temp 0} prints exactly what llama-cli printed (its stdout: the prompt, then the
 * continuation) for every case of shared/ref, on every GGUF file there, quantized ones included.
 */
class RunMatchesLlamaCliTest {
    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String f : List.of("stories260K-llamacpp-greedy.json", "distill3M-llamacpp-greedy.json")) {
            String json = Files.readString(CliHarness.shared("ref/" + f));
            for (Object c : (List<Object>) Json.parseObject(json).get("cases")) {
                Map<String, Object> m = (Map<String, Object>) c;
                out.add(Arguments.of(m.get("model"), m.get("prompt"), ((Number) m.get("n_predict")).intValue(), m.get("stdout")));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void printsLlamaCliText(String model, String prompt, int n, String stdout) {
        String path = CliHarness.shared("test-models/" + model).toString();
        CliHarness r = CliHarness.run("", "run", "-m", path, "-p", prompt, "-n", String.valueOf(n), "--temp", "0", "-t", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(stdout.strip(), r.out().strip(), model);
    }
}
