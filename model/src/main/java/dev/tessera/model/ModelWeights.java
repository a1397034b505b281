package dev.tessera.model;

import dev.tessera.tensor.Weight;

/** All weights of a model, prepared by a backend; {@code output} is {@code embedding} when tied. */
public record ModelWeights(Weight embedding, LayerWeights[] layers, Weight outputNorm, Weight output) {}
