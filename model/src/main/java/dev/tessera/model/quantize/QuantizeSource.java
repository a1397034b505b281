package dev.tessera.model.quantize;

import dev.tessera.model.ModelConfig;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.GgufValue;
import dev.tessera.model.gguf.ProjectTensors;
import dev.tessera.model.weights.WeightSource;
import dev.tessera.model.weights.WeightSources;
import dev.tessera.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The input of a quantization: GGUF metadata to copy (read from a GGUF file, or synthesized for a
 * safetensors folder or llama2.c checkpoint as llama.cpp's converters would write it) and every
 * tensor under its GGUF name.
 *
 * @param gguf true when the input was already GGUF (its tensors are copied as stored when not quantized)
 */
public record QuantizeSource(Path path, ModelConfig config, Map<String, GgufValue> metadata, List<Tensor> tensors,
                             boolean gguf, AutoCloseable owner) implements AutoCloseable {

    /** Opens a GGUF file, a Hugging Face safetensors folder or a llama2.c checkpoint. */
    public static QuantizeSource open(Path path) {
        WeightSource ws = WeightSources.open(path);
        try {
            if (ws instanceof dev.tessera.model.weights.GgufWeights g) {
                GgufFile f = g.file();
                List<Tensor> ts = new ArrayList<>();
                for (var info : f.tensorInfos()) ts.add(ProjectTensors.tensor(f, info.name()));
                return new QuantizeSource(path, g.config(), f.metadata().asMap(), ts, true, ws);
            }
            return ConvertedMetadata.source(path, ws);
        } catch (RuntimeException e) {
            ws.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        }
    }
}
