package dev.tessera.model.hf;

import dev.tessera.model.FormatException;
import dev.tessera.model.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face model folder: {@code config.json} (required) and, when present,
 * {@code tokenizer_config.json}, {@code generation_config.json}, {@code tokenizer.json}, a
 * {@code chat_template.jinja} and the safetensors weights.
 */
public record HfModelDir(Path dir, HfConfig config, Optional<TokenizerConfig> tokenizerConfig,
                         Optional<GenerationConfig> generationConfig, Optional<Path> tokenizerJson,
                         Optional<String> chatTemplateFile) {
    public static boolean looksLikeOne(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(HfConfig.FILE));
    }

    public static HfModelDir open(Path dir) {
        if (!Files.isDirectory(dir)) throw new FormatException(dir + ": not a directory (expected a Hugging Face model folder)");
        Path config = dir.resolve(HfConfig.FILE);
        if (!Files.isRegularFile(config)) throw new FormatException(dir + ": no " + HfConfig.FILE + " (not a Hugging Face model folder)");
        Path tok = dir.resolve(TokenizerConfig.FILE);
        Path gen = dir.resolve(GenerationConfig.FILE);
        Path tokJson = dir.resolve("tokenizer.json");
        Path jinja = dir.resolve("chat_template.jinja");
        Optional<String> template = Optional.empty();
        if (Files.isRegularFile(jinja)) {
            try {
                template = Optional.of(Files.readString(jinja));
            } catch (IOException e) {
                throw new FormatException(jinja + ": cannot read: " + e.getMessage(), e);
            }
        }
        return new HfModelDir(dir, HfConfig.read(config),
                Files.isRegularFile(tok) ? Optional.of(TokenizerConfig.read(tok)) : Optional.empty(),
                Files.isRegularFile(gen) ? Optional.of(GenerationConfig.read(gen)) : Optional.empty(),
                Files.isRegularFile(tokJson) ? Optional.of(tokJson) : Optional.empty(), template);
    }

    /** The chat template: tokenizer_config.json's, else chat_template.jinja. */
    public Optional<String> chatTemplate() {
        return tokenizerConfig.flatMap(TokenizerConfig::chatTemplate).or(() -> chatTemplateFile);
    }

    /** Opens the weights (index or single file); the caller closes them. */
    public SafetensorsCheckpoint openWeights() { return SafetensorsCheckpoint.open(dir); }
}
