package dev.tessera.model.weights;

import dev.tessera.model.FormatException;
import dev.tessera.model.ModelConfig;
import dev.tessera.tensor.Tensor;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The tensors of one model, looked up by their canonical (GGUF) names such as
 * {@code blk.3.attn_q.weight}, whatever the file format stores. Tensors are views of the mapped
 * file where the format allows; a source converts only what the forward pass cannot read as is.
 */
public interface WeightSource extends AutoCloseable {
    /** The file or folder the weights come from, for messages. */
    Path path();

    ModelConfig config();

    /** The tensor with this canonical name, if the model has it. */
    Optional<Tensor> tensor(String name);

    default Tensor require(String name) {
        return tensor(name).orElseThrow(() -> FormatException.of(path(), "tensor " + name, "missing"));
    }

    /** Releases the mapping; closing twice is harmless. */
    @Override
    void close();
}
