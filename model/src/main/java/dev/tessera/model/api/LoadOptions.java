package dev.tessera.model.api;

import dev.tessera.tensor.TensorType;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to load and run a model. Build one with {@link #builder()}.
 *
 * @param contextLength KV cache positions per session; 0: the model's own context, at most {@value #DEFAULT_CONTEXT_CAP}
 * @param threads       CPU threads for the kernels; 0: one per available processor
 * @param batchSize     prompt tokens per forward pass
 * @param kvType        KV cache element type: {@link TensorType#F32} or {@link TensorType#F16}
 * @param contextShift  when the cache is full, drop the older half and go on instead of stopping
 * @param tokenizer     a tokenizer to use instead of the model's (null: the model's)
 * @param chatTemplate  a chat format name (chatml, llama2, llama3, mistral-v3, gemma, phi3, zephyr ...) to
 *                      use instead of the model's chat template (null: the model's)
 */
public record LoadOptions(int contextLength, int threads, int batchSize, TensorType kvType, boolean contextShift,
                          Path tokenizer, String chatTemplate) {
    /** Context used when the model's own is longer and {@link #contextLength()} is 0. */
    public static final int DEFAULT_CONTEXT_CAP = 4096;

    public LoadOptions {
        Objects.requireNonNull(kvType, "kvType");
        if (contextLength != 0 && contextLength < 2) throw new IllegalArgumentException("contextLength " + contextLength + ": expected 0 or at least 2");
        if (threads < 0) throw new IllegalArgumentException("threads " + threads + ": expected 0 or more");
        if (batchSize < 1) throw new IllegalArgumentException("batchSize " + batchSize + ": expected at least 1");
        if (kvType != TensorType.F32 && kvType != TensorType.F16) throw new IllegalArgumentException("kvType " + kvType + ": expected F32 or F16");
    }

    public static LoadOptions defaults() { return builder().build(); }

    public static Builder builder() { return new Builder(); }

    /** Builds {@link LoadOptions}; unset fields keep their defaults. */
    public static final class Builder {
        private int contextLength;
        private int threads;
        private int batchSize = 32;
        private TensorType kvType = TensorType.F32;
        private boolean contextShift;
        private Path tokenizer;
        private String chatTemplate;

        private Builder() {}

        public Builder contextLength(int n) { contextLength = n; return this; }

        public Builder threads(int n) { threads = n; return this; }

        public Builder batchSize(int n) { batchSize = n; return this; }

        public Builder kvType(TensorType t) { kvType = t; return this; }

        public Builder contextShift(boolean on) { contextShift = on; return this; }

        public Builder tokenizer(Path p) { tokenizer = p; return this; }

        public Builder chatTemplate(String name) { chatTemplate = name; return this; }

        public LoadOptions build() {
            return new LoadOptions(contextLength, threads, batchSize, kvType, contextShift, tokenizer, chatTemplate);
        }
    }
}
