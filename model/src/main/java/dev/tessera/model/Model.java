package dev.tessera.model;

import dev.tessera.model.weights.WeightLoader;
import dev.tessera.model.weights.WeightSource;
import dev.tessera.model.weights.WeightSources;
import dev.tessera.tensor.Backend;
import java.nio.file.Path;

/** A model opened from a file or folder, its weights handed to a backend. */
public final class Model implements AutoCloseable {
    private final WeightSource source;
    private final Architecture architecture;
    private final ModelWeights weights;
    private final Backend backend;

    private Model(WeightSource source, Architecture architecture, ModelWeights weights, Backend backend) {
        this.source = source;
        this.architecture = architecture;
        this.weights = weights;
        this.backend = backend;
    }

    /** Opens a GGUF file, a Hugging Face safetensors folder or a llama2.c checkpoint. */
    public static Model open(Path path, Backend backend) {
        return load(WeightSources.open(path), backend);
    }

    /** Loads the weights of {@code source} (closed with the model, or now if loading fails). */
    public static Model load(WeightSource source, Backend backend) {
        try {
            ModelConfig c = source.config();
            Architecture arch = Architecture.of(c);
            WeightLoader loader = new WeightLoader(source, backend);
            ModelWeights w = arch.load(c, loader);
            loader.traceSummary();
            LoadTrace.mark("weights loaded");
            return new Model(source, arch, w, backend);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    public ModelConfig config() { return source.config(); }

    public Architecture architecture() { return architecture; }

    public WeightSource source() { return source; }

    public ModelWeights weights() { return weights; }

    public Backend backend() { return backend; }

    /** A forward pass over batches of up to {@code maxBatch} tokens, with logits for up to {@code maxLogitRows} rows at once. */
    public Transformer transformer(int maxBatch, int maxLogitRows) {
        return new Transformer(config(), weights, backend, maxBatch, maxLogitRows);
    }

    @Override
    public void close() { source.close(); }
}
