package dev.tessera.model.gguf;

import dev.tessera.tensor.Shape;
import dev.tessera.tensor.TensorType;

/** One entry of a GGUF tensor table: {@code offset} is relative to the start of the data section. */
public record GgufTensorInfo(String name, TensorType type, Shape shape, long offset, long byteSize) {}
