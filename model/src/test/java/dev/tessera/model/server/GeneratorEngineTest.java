package dev.tessera.model.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.SharedData;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.model.weights.GgufWeights;
import dev.tessera.tensor.TensorType;
import dev.tessera.model.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real engine behind the server, against llama.cpp: a greedy /v1/completions request on
 * stories260K must return the continuation llama-cli printed (shared/ref).
 */
@Timeout(120)
class GeneratorEngineTest {
    @Test
    @SuppressWarnings("unchecked")
    void greedyCompletionOverHttpMatchesLlamaCpp() throws Exception {
        Path model = SharedData.require("test-models/gguf/stories260K.gguf");
        Map<String, Object> ref = (Map<String, Object>) ((List<Object>) Json.parseObject(
                Files.readString(SharedData.require("ref/stories260K-llamacpp-greedy.json"))).get("cases")).getFirst();
        String prompt = (String) ref.get("prompt");
        int n = ((Number) ref.get("n_predict")).intValue();
        String want = ((String) ref.get("stdout")).substring((" " + prompt).length());
        try (CpuBackend be = new CpuBackend(); GgufWeights src = GgufWeights.open(model)) {
            Tokenizer tok = Tokenizers.fromGguf(src.file().metadata());
            Model m = SharedData.loadOrSkip(src, be);
            try (Session session = new Session(m.transformer(16, 1), 512, TensorType.F32, false, 0)) {
                int comma = tok.tokenId(",");
                assertTrue(comma >= 0);
                serve(new GeneratorEngine("stories260K", session, tok, null), prompt, n, want, comma);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static String text(HttpClient client, URI uri, String body) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return (String) ((Map<String, Object>) ((List<Object>) Json.parseObject(r.body()).get("choices")).getFirst()).get("text");
    }

    @SuppressWarnings("unchecked")
    private static void serve(GeneratorEngine engine, String prompt, int n, String want, int comma) throws Exception {
        try (OpenAiServer server = OpenAiServer.start(engine, ServerConfig.defaults("127.0.0.1", 0, null));
             HttpClient client = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/v1/completions");
            String body = Json.write(Map.of("prompt", prompt, "max_tokens", n, "temperature", 0));
            for (int round = 0; round < 2; round++) { // the second request reuses the cached prompt
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                Map<String, Object> choice = (Map<String, Object>) ((List<Object>) Json.parseObject(r.body()).get("choices")).getFirst();
                assertEquals(want.stripTrailing(), ((String) choice.get("text")).stripTrailing(), "round " + round);
                assertEquals("length", choice.get("finish_reason"), "llama-cli stopped at -n, not at an end token");
            }
            // sampling options act on the real sampler: a fixed seed repeats, a banned token is never chosen, stop cuts
            String seeded = Json.write(Map.of("prompt", prompt, "max_tokens", 24, "temperature", 1.0, "seed", 42));
            String first = text(client, uri, seeded);
            assertEquals(first, text(client, uri, seeded), "same seed, same text");
            assertNotEquals(first, text(client, uri, Json.write(Map.of("prompt", prompt, "max_tokens", 24, "temperature", 1.0, "seed", 43))));
            String banned = text(client, uri, Json.write(Map.of("prompt", prompt, "max_tokens", 4, "temperature", 0,
                    "logit_bias", Map.of(String.valueOf(comma), -100))));
            assertFalse(banned.startsWith(","), banned);
            assertTrue(want.startsWith(","), "the greedy continuation starts with the banned token");
            assertEquals(", there was a ", text(client, uri, Json.write(Map.of("prompt", prompt, "max_tokens", 30, "temperature", 0,
                    "stop", List.of("little")))));
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort()
                    + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, chat.statusCode(), "no chat template was given");
        }
    }
}
