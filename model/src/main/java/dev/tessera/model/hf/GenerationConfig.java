package dev.tessera.model.hf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/** The sampling defaults and special ids of {@code generation_config.json}. */
public record GenerationConfig(Path file, Map<String, Object> raw, List<Integer> bosTokenIds, List<Integer> eosTokenIds,
                               List<Integer> padTokenIds, Optional<Boolean> doSample, OptionalDouble temperature,
                               OptionalDouble topP, OptionalInt topK, OptionalDouble repetitionPenalty,
                               OptionalInt maxNewTokens, OptionalInt maxLength) {
    public static final String FILE = "generation_config.json";

    public static GenerationConfig read(Path file) {
        JsonFields f = JsonFields.read(file);
        return new GenerationConfig(file, f.json(), f.integers("bos_token_id"), f.integers("eos_token_id"),
                f.integers("pad_token_id"), f.bool("do_sample"), f.number("temperature"), f.number("top_p"),
                f.integer("top_k"), f.number("repetition_penalty"), f.integer("max_new_tokens"), f.integer("max_length"));
    }
}
