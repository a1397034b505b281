package dev.tessera.model.server;

/** How a generation ended: tokens generated (those whose text went to the sink) and why it stopped. */
public record Completion(int completionTokens, FinishReason finishReason) {}
