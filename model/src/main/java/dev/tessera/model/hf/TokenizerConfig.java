package dev.tessera.model.hf;

import dev.tessera.model.FormatException;
import dev.tessera.model.json.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The fields of {@code tokenizer_config.json} a runtime needs. Special tokens may be written as a
 * string or as an AddedToken object; both give the token text. A chat template may be a string
 * or a list of named templates; {@link #chatTemplate} is the one named "default" or the only one.
 *
 * @param addedTokens {@code added_tokens_decoder}: id → token text
 */
public record TokenizerConfig(Path file, Map<String, Object> raw, Optional<String> tokenizerClass,
                              Optional<Boolean> addBosToken, Optional<Boolean> addEosToken, Optional<String> bosToken,
                              Optional<String> eosToken, Optional<String> unkToken, Optional<String> padToken,
                              Map<String, String> chatTemplates, OptionalLong modelMaxLength, Map<Integer, String> addedTokens) {
    public static final String FILE = "tokenizer_config.json";

    public static TokenizerConfig read(Path file) {
        JsonFields f = JsonFields.read(file);
        OptionalLong maxLen = OptionalLong.empty();
        if (f.json().get("model_max_length") instanceof Number n) maxLen = OptionalLong.of(n.longValue());
        return new TokenizerConfig(file, f.json(), f.string("tokenizer_class"), f.bool("add_bos_token"), f.bool("add_eos_token"),
                token(f, "bos_token"), token(f, "eos_token"), token(f, "unk_token"), token(f, "pad_token"),
                templates(f), maxLen, added(f));
    }

    /** The chat template named "default", else the only one. */
    public Optional<String> chatTemplate() {
        if (chatTemplates.containsKey("default")) return Optional.of(chatTemplates.get("default"));
        return chatTemplates.size() == 1 ? Optional.of(chatTemplates.values().iterator().next()) : Optional.empty();
    }

    private static Optional<String> token(JsonFields f, String key) {
        Object v = f.json().get(key);
        if (v == null) return Optional.empty();
        if (v instanceof String s) return Optional.of(s);
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return Optional.of(s);
        throw FormatException.of(f.file(), key, "expected a string or an object with \"content\", found " + Json.write(v));
    }

    private static Map<String, String> templates(JsonFields f) {
        Object v = f.json().get("chat_template");
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) return out;
        if (v instanceof String s) {
            out.put("default", s);
            return out;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || !(m.get("template") instanceof String t)) {
                    throw FormatException.of(f.file(), "chat_template", "expected a list of {\"name\", \"template\"} objects");
                }
                out.put(name, t);
            }
            return out;
        }
        throw FormatException.of(f.file(), "chat_template", "expected a string or a list of named templates, found " + Json.write(v));
    }

    private static Map<Integer, String> added(JsonFields f) {
        Map<Integer, String> out = new LinkedHashMap<>();
        Object v = f.json().get("added_tokens_decoder");
        if (v == null) return out;
        if (!(v instanceof Map<?, ?> m)) throw FormatException.of(f.file(), "added_tokens_decoder", "expected an object");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String field = "added_tokens_decoder." + e.getKey();
            int id;
            try {
                id = Integer.parseInt((String) e.getKey());
            } catch (NumberFormatException ex) {
                throw FormatException.of(f.file(), field, "expected an integer token id as the key");
            }
            if (!(e.getValue() instanceof Map<?, ?> t) || !(t.get("content") instanceof String content)) {
                throw FormatException.of(f.file(), field, "expected an object with a \"content\" string");
            }
            out.put(id, content);
        }
        return out;
    }
}
