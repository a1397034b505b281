package dev.tessera.model;

import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.model.weights.GgufWeights;
import dev.tessera.model.weights.WeightSource;
import dev.tessera.model.weights.WeightSources;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the tokenizer of a model path: GGUF metadata, the tokenizer files of a Hugging Face
 * folder, or for a llama2.c checkpoint {@code tok512.bin}/{@code tokenizer.bin} beside it, unless
 * one is given explicitly (a llama2.c {@code .bin}, a {@code tokenizer.json}, a folder or a GGUF).
 */
public final class TokenizerLocator {
    private TokenizerLocator() {}

    /** As {@link #locate(Path, Path)}, reusing the metadata of an already parsed GGUF. */
    public static Tokenizer locate(WeightSource source, Path explicit) {
        if (explicit == null && source instanceof GgufWeights g) return Tokenizers.fromGguf(g.file().metadata());
        return locate(source.path(), explicit);
    }

    public static Tokenizer locate(Path model, Path explicit) {
        if (explicit != null) return open(explicit);
        if (!Files.exists(model)) throw new FormatException(model + ": no such file or directory");
        if (Files.isDirectory(model) || WeightSources.isGguf(model) || model.toString().endsWith(".json")) return open(model);
        Path dir = model.toAbsolutePath().getParent();
        String stem = model.getFileName().toString().replaceFirst("\\.bin$", "");
        for (String name : new String[] {stem + "_tok512.bin", "tok512.bin", "tokenizer.bin"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return Tokenizers.fromLlama2c(p);
        }
        throw new FormatException(model + ": no tokenizer found beside it (tok512.bin or tokenizer.bin); pass --tokenizer");
    }

    private static Tokenizer open(Path p) {
        if (!Files.exists(p)) throw new FormatException(p + ": no such file or directory");
        if (Files.isDirectory(p)) return Tokenizers.fromDirectory(p);
        if (p.getFileName().toString().endsWith(".json")) return Tokenizers.fromHfTokenizerJson(p);
        if (WeightSources.isGguf(p)) {
            try (GgufFile f = GgufFile.open(p)) {
                return Tokenizers.fromGguf(f.metadata());
            }
        }
        return Tokenizers.fromLlama2c(p);
    }
}
