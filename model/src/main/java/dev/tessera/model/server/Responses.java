package dev.tessera.model.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The OpenAI response bodies, as JSON-ready maps. */
final class Responses {
    private Responses() {}

    /** One response's identity, shared by all chunks of a stream. */
    record Meta(String id, long created, String model, boolean chat) {
        String object(boolean chunk) {
            return chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
        }
    }

    static Map<String, Object> usage(int prompt, int completion) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    private static Map<String, Object> head(Meta m, boolean chunk) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", m.id());
        r.put("object", m.object(chunk));
        r.put("created", m.created());
        r.put("model", m.model());
        return r;
    }

    /** The whole answer of a non-streaming request. */
    static Map<String, Object> complete(Meta m, String text, FinishReason finish, int promptTokens, int completionTokens) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (m.chat()) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", text);
            choice.put("message", message);
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finish.apiName());
        Map<String, Object> r = head(m, false);
        r.put("choices", List.of(choice));
        r.put("usage", usage(promptTokens, completionTokens));
        return r;
    }

    /**
     * One streamed chunk: {@code text} (null for none) and, on the last, the finish reason. A chat
     * stream's first chunk ({@code role} true) announces the assistant role.
     */
    static Map<String, Object> chunk(Meta m, String text, boolean role, FinishReason finish) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (m.chat()) {
            Map<String, Object> delta = new LinkedHashMap<>();
            if (role) delta.put("role", "assistant");
            if (text != null) delta.put("content", text);
            choice.put("delta", delta);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finish == null ? null : finish.apiName());
        Map<String, Object> r = head(m, true);
        r.put("choices", List.of(choice));
        return r;
    }

    /** The extra last chunk of stream_options.include_usage: no choices, the token counts. */
    static Map<String, Object> usageChunk(Meta m, int promptTokens, int completionTokens) {
        Map<String, Object> r = head(m, true);
        r.put("choices", new ArrayList<>());
        r.put("usage", usage(promptTokens, completionTokens));
        return r;
    }

    static Map<String, Object> model(String id, long created) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "tessera");
        return model;
    }

    static Map<String, Object> models(String id, long created) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("object", "list");
        r.put("data", List.of(model(id, created)));
        return r;
    }
}
