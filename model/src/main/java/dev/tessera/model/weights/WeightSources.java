package dev.tessera.model.weights;

import dev.tessera.model.FormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model by what the path holds: a GGUF file, a Hugging Face folder, or a llama2.c checkpoint. */
public final class WeightSources {
    private WeightSources() {}

    public static WeightSource open(Path path) {
        if (!Files.exists(path)) throw new FormatException(path + ": no such file or directory");
        if (Files.isDirectory(path)) return SafetensorsWeights.open(path);
        if (isGguf(path)) return GgufWeights.open(path);
        return Llama2cWeights.open(path);
    }

    public static boolean isGguf(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new FormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }
}
