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
 * {@code run --match-llamacpp --temp 0} on the quantized files of shared/ref prints exactly what
 * llama-cli printed (its stdout: the prompt, then the continuation), including the cases where the
 * default kernels take the other side of a near tie.
 */
class MatchLlamaCppRunTest {
    @SuppressWarnings("unchecked")
    static Stream<Arguments> quantizedCases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String f : List.of("stories260K-llamacpp-greedy.json", "distill3M-llamacpp-greedy.json")) {
            String json = Files.readString(CliHarness.shared("ref/" + f));
            for (Object c : (List<Object>) Json.parseObject(json).get("cases")) {
                Map<String, Object> m = (Map<String, Object>) c;
                String model = (String) m.get("model"), prompt = (String) m.get("prompt");
                boolean quantized = model.matches(".*-(Q\\d_\\w+|Q\\d_\\d)(-fallback)?\\.gguf");
                if (quantized && (prompt.equals("Once upon a time") || prompt.equals("Lily and Ben"))) {
                    out.add(Arguments.of(model, prompt, ((Number) m.get("n_predict")).intValue(), m.get("stdout")));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("quantizedCases")
    void printsLlamaCliText(String model, String prompt, int n, String stdout) {
        String path = CliHarness.shared("test-models/" + model).toString();
        CliHarness r = CliHarness.run("", "run", "-m", path, "-p", prompt, "-n", String.valueOf(n), "--temp", "0", "--match-llamacpp", "-t", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(stdout.strip(), r.out().strip(), model);
    }
}
