package dev.tessera.model.weights;

import dev.tessera.model.ModelConfig;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.gguf.ProjectTensors;
import dev.tessera.tensor.Tensor;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Weights of a GGUF file: the names are already canonical and every tensor is a view of the mapping
 * (tensors of Tessera's own types come back with their real type and shape, see {@link ProjectTensors}).
 */
public final class GgufWeights implements WeightSource {
    private final GgufFile file;
    private final ModelConfig config;
    private boolean closed;

    public GgufWeights(GgufFile file) {
        this.file = file;
        this.config = ModelConfig.fromGguf(file);
    }

    public static GgufWeights open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new GgufWeights(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public GgufFile file() { return file; }

    @Override
    public Path path() { return file.path(); }

    @Override
    public ModelConfig config() { return config; }

    @Override
    public Optional<Tensor> tensor(String name) {
        return file.hasTensor(name) ? Optional.of(ProjectTensors.tensor(file, name)) : Optional.empty();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        file.close();
    }
}
