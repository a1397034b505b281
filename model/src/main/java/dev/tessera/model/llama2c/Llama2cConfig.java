package dev.tessera.model.llama2c;

/**
 * The header of a llama2.c checkpoint. {@code version} is 0 for the legacy 7-int header, else
 * the exported version (1 = float32, 2 = int8 Q8_0 with {@code groupSize}).
 */
public record Llama2cConfig(int version, int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads,
                            int vocabSize, int seqLen, boolean sharedClassifier, int groupSize) {
    public int headSize() { return dim / nHeads; }

    public int kvDim() { return headSize() * nKvHeads; }

    /** Bytes before the first weight. */
    public int headerBytes() { return version == 0 ? 28 : 256; }
}
