package dev.tessera.model.server;

import dev.tessera.model.chat.ChatMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the JSON body of a completion request strictly: every parameter it accepts is honoured,
 * anything it does not know or cannot honour (n &gt; 1, logprobs, tools, images …) is a 400 that
 * names the parameter, so that no option is silently ignored.
 */
public final class RequestParser {
    private static final int MAX_STOP = 16;
    private static final Set<String> COMMON = Set.of("model", "stream", "stream_options", "n", "temperature", "top_p",
            "top_k", "min_p", "max_tokens", "stop", "seed", "presence_penalty", "frequency_penalty", "logit_bias", "user", "logprobs");
    private static final Set<String> CHAT = Set.of("messages", "max_completion_tokens", "top_logprobs", "response_format");
    private static final Set<String> TEXT = Set.of("prompt", "echo", "best_of", "suffix");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private final int vocabularySize;

    public RequestParser(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    public CompletionRequest parse(Map<String, Object> body, boolean chat) {
        for (String k : body.keySet()) {
            if (!COMMON.contains(k) && !(chat ? CHAT : TEXT).contains(k))
                throw ApiException.invalid(k, "Unrecognized request argument supplied: " + k);
        }
        if (body.containsKey("model") && !(body.get("model") instanceof String) && body.get("model") != null)
            throw ApiException.invalid("model", "'model' must be a string");
        Prompt prompt = chat ? chatPrompt(body.get("messages")) : textPrompt(body.get("prompt"));
        Object n = body.get("n");
        if (n != null && !(n instanceof Long l && l == 1))
            throw ApiException.invalid("n", "only n=1 is supported: this server generates one choice per request");
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        Object so = body.get("stream_options");
        if (so != null) {
            if (!stream) throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            if (!(so instanceof Map<?, ?> m)) throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            for (Object k : m.keySet()) {
                if (!"include_usage".equals(k)) throw ApiException.invalid("stream_options." + k, "Unrecognized stream option: " + k);
            }
            Object iu = m.get("include_usage");
            if (iu != null && !(iu instanceof Boolean)) throw ApiException.invalid("stream_options.include_usage", "must be a boolean");
            includeUsage = Boolean.TRUE.equals(iu);
        }
        unsupportedUnless(body, "logprobs", v -> v == null || Boolean.FALSE.equals(v) || (!chat && Long.valueOf(0).equals(v)),
                "log probabilities are not supported");
        unsupportedUnless(body, "top_logprobs", v -> v == null, "log probabilities are not supported");
        unsupportedUnless(body, "echo", v -> v == null || Boolean.FALSE.equals(v), "'echo' is not supported");
        unsupportedUnless(body, "best_of", v -> v == null || Long.valueOf(1).equals(v), "only best_of=1 is supported");
        unsupportedUnless(body, "suffix", v -> v == null || "".equals(v), "'suffix' (insertion) is not supported");
        unsupportedUnless(body, "response_format", v -> v == null || (v instanceof Map<?, ?> m && m.size() == 1 && "text".equals(m.get("type"))),
                "only response_format {\"type\":\"text\"} is supported");
        Object user = body.get("user");
        if (user != null && !(user instanceof String)) throw ApiException.invalid("user", "'user' must be a string");

        double temperature = number(body, "temperature", 1.0, 0.0, 2.0);
        double topP = number(body, "top_p", 1.0, 0.0, 1.0);
        if (body.get("top_p") != null && topP == 0.0) throw ApiException.invalid("top_p", "'top_p' must be greater than 0");
        int topK = (int) integer(body, "top_k", 0, 0, Integer.MAX_VALUE);
        double minP = number(body, "min_p", 0.0, 0.0, 1.0);
        Integer maxTokens = null;
        for (String key : new String[] {"max_tokens", "max_completion_tokens"}) {
            if (body.get(key) != null) {
                if (maxTokens != null) throw ApiException.invalid(key, "give either 'max_tokens' or 'max_completion_tokens', not both");
                maxTokens = (int) integer(body, key, 0, 1, Integer.MAX_VALUE);
            }
        }
        Long seed = body.get("seed") == null ? null : integer(body, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        double presence = number(body, "presence_penalty", 0.0, -2.0, 2.0);
        double frequency = number(body, "frequency_penalty", 0.0, -2.0, 2.0);
        Map<Integer, Double> bias = logitBias(body.get("logit_bias"));
        List<String> stop = stop(body.get("stop"));
        var draft = new CompletionRequest.SamplingOptionsDraft(temperature, topP, topK, minP, seed, presence, frequency, bias);
        return new CompletionRequest(chat, prompt, draft, maxTokens, stop, stream, includeUsage);
    }

    private static void unsupportedUnless(Map<String, Object> body, String key, java.util.function.Predicate<Object> ok, String why) {
        if (body.containsKey(key) && !ok.test(body.get(key))) throw ApiException.invalid(key, why);
    }

    private static Prompt textPrompt(Object p) {
        if (p instanceof String s) return new Prompt.Text(s);
        if (p instanceof List<?> l && l.size() == 1 && l.getFirst() instanceof String s) return new Prompt.Text(s);
        if (p instanceof List<?> l && l.size() > 1)
            throw ApiException.invalid("prompt", "only one prompt per request is supported");
        if (p == null) throw ApiException.invalid("prompt", "'prompt' is required");
        throw ApiException.invalid("prompt", "'prompt' must be a string");
    }

    private static Prompt chatPrompt(Object m) {
        if (m == null) throw ApiException.invalid("messages", "'messages' is required");
        if (!(m instanceof List<?> list) || list.isEmpty()) throw ApiException.invalid("messages", "'messages' must be a non-empty array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "messages[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> msg)) throw ApiException.invalid(where, where + " must be an object");
            for (Object k : msg.keySet()) {
                if (!"role".equals(k) && !"content".equals(k) && !"name".equals(k))
                    throw ApiException.invalid(where + "." + k, "Unrecognized message field: " + k);
            }
            if (msg.get("name") != null) throw ApiException.invalid(where + ".name", "message names are not supported");
            if (!(msg.get("role") instanceof String role) || !ROLES.contains(role))
                throw ApiException.invalid(where + ".role", where + ".role must be one of " + String.join(", ", new java.util.TreeSet<>(ROLES)));
            // "developer" is OpenAI's newer name for the system turn; chat templates know "system"
            out.add(new ChatMessage(role.equals("developer") ? "system" : role, content(msg.get("content"), where)));
        }
        return new Prompt.Chat(out);
    }

    private static String content(Object c, String where) {
        if (c instanceof String s) return s;
        if (c instanceof List<?> parts) {
            StringBuilder sb = new StringBuilder();
            for (Object part : parts) {
                if (!(part instanceof Map<?, ?> p) || !"text".equals(p.get("type")) || !(p.get("text") instanceof String t))
                    throw ApiException.invalid(where + ".content", "only text content parts ({\"type\":\"text\",\"text\":...}) are supported");
                sb.append(t);
            }
            return sb.toString();
        }
        throw ApiException.invalid(where + ".content", where + ".content must be a string or an array of text parts");
    }

    private static boolean bool(Map<String, Object> body, String key, boolean dflt) {
        Object v = body.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw ApiException.invalid(key, "'" + key + "' must be a boolean");
    }

    private static double number(Map<String, Object> body, String key, double dflt, double min, double max) {
        Object v = body.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number num)) throw ApiException.invalid(key, "'" + key + "' must be a number");
        double d = num.doubleValue();
        if (!(d >= min && d <= max)) throw ApiException.invalid(key, "'" + key + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + fmt(d));
        return d;
    }

    private static long integer(Map<String, Object> body, String key, long dflt, long min, long max) {
        Object v = body.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Long l)) throw ApiException.invalid(key, "'" + key + "' must be an integer");
        if (l < min || l > max) throw ApiException.invalid(key, "'" + key + "' must be between " + min + " and " + max + ", got " + l);
        return l;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private Map<Integer, Double> logitBias(Object v) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw ApiException.invalid("logit_bias", "'logit_bias' must be an object of token id to bias");
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            int id;
            try {
                id = Integer.parseInt((String) e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "logit_bias key '" + e.getKey() + "' is not a token id");
            }
            if (id < 0 || id >= vocabularySize)
                throw ApiException.invalid("logit_bias", "logit_bias token id " + id + " is outside the vocabulary (0.." + (vocabularySize - 1) + ")");
            if (!(e.getValue() instanceof Number b) || !(b.doubleValue() >= -100 && b.doubleValue() <= 100))
                throw ApiException.invalid("logit_bias", "logit_bias value for " + id + " must be a number between -100 and 100");
            out.put(id, b.doubleValue());
        }
        return out;
    }

    private static List<String> stop(Object v) {
        if (v == null) return List.of();
        List<?> raw = v instanceof String s ? List.of(s) : v instanceof List<?> l ? l : null;
        if (raw == null) throw ApiException.invalid("stop", "'stop' must be a string or an array of strings");
        if (raw.size() > MAX_STOP) throw ApiException.invalid("stop", "at most " + MAX_STOP + " stop sequences are supported");
        List<String> out = new ArrayList<>();
        for (Object o : raw) {
            if (!(o instanceof String s) || s.isEmpty()) throw ApiException.invalid("stop", "stop sequences must be non-empty strings");
            out.add(s);
        }
        return out;
    }
}
