package dev.tessera.model;

import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.weights.WeightSource;
import dev.tessera.model.weights.WeightSources;
import dev.tessera.tensor.Backend;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Opens a model and its tokenizer together. The file is parsed once; the tokenizer is then built on a
 * second thread (from the metadata already read, for a GGUF) while the weights go to the backend: for
 * a 128K-token BPE vocabulary and a 1B model each takes a good fraction of a second.
 */
public final class ModelOpener {
    /** A model with its tokenizer; closing is the model's. */
    public record Opened(Model model, Tokenizer tokenizer) {}

    private ModelOpener() {}

    /** @param tokenizer an explicit tokenizer path, or null for the model's own */
    public static Opened open(Path path, Path tokenizer, Backend backend) {
        WeightSource source = WeightSources.open(path);
        LoadTrace.mark("parsed " + path.getFileName());
        FutureTask<Tokenizer> task = new FutureTask<>(() -> {
            Tokenizer t = TokenizerLocator.locate(source, tokenizer);
            LoadTrace.mark("tokenizer built (" + t.vocabSize() + " tokens, beside the weights)");
            return t;
        });
        Thread.ofPlatform().daemon().name("tessera-tokenizer").start(task);
        Model m = Model.load(source, backend);
        try {
            return new Opened(m, await(task));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static Tokenizer await(FutureTask<Tokenizer> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the tokenizer", e);
        }
    }
}
