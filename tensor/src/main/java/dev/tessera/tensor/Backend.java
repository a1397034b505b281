package dev.tessera.tensor;

/**
 * The operations a forward pass needs, over a batch of {@code n} positions. A model is written once
 * against this interface; the CPU backend (Vector API) and the CUDA backend implement it.
 *
 * <p>Layouts: activations are row-major {@code [n, width]} in a {@link Buffer}. A weight is a
 * {@code [rows, cols]} matrix and {@code matmul} computes {@code out[i] = W · x[i]} for each of the
 * {@code n} rows of {@code x}. Heads are contiguous within a row: row {@code i} of a Q buffer is
 * {@code [heads, headDim]}.
 */
public interface Backend extends AutoCloseable {
    /** Short name for messages, e.g. {@code "cpu"} or {@code "cuda:0"}. */
    String name();

    /** Makes {@code tensor} usable by this backend. Called once per weight at load. */
    Weight load(Tensor tensor);

    /** A new zeroed F32 buffer of {@code floats} elements. */
    Buffer allocate(long floats);

    /** A KV cache for {@code layers} layers of {@code capacity} positions × {@code kvHeads} × {@code headDim}. */
    KvCache kvCache(int layers, int capacity, int kvHeads, int headDim, TensorType type);

    /** {@code out[i] = table[tokens[i]]} (dequantized), for each token. */
    void embed(Weight table, int[] tokens, Buffer out);

    /** {@code out[i] = W · x[i]} for {@code i < n}; {@code x} is {@code [n, W.cols]}, {@code out} is {@code [n, W.rows]}. */
    void matmul(Weight w, Buffer x, int n, Buffer out);

    /**
     * {@code outs[k] = weights[k] · x} for every {@code k}: several products of one input (Q, K and V;
     * gate and up), which a backend may run as one job, preparing the input once. The default runs
     * {@link #matmul} for each.
     */
    default void matmuls(Weight[] weights, Buffer x, int n, Buffer[] outs) {
        if (weights.length != outs.length) throw new IllegalArgumentException(weights.length + " weights but " + outs.length + " outputs");
        for (int k = 0; k < weights.length; k++) matmul(weights[k], x, n, outs[k]);
    }

    /** {@code x[i] += bias} for each of the {@code n} rows. */
    void addBias(Buffer x, Weight bias, int n);

    /** RMSNorm of each of {@code rows} rows of {@code cols}: {@code out = x / rms(x) * g}. {@code out} may be {@code x}. */
    void rmsNorm(Buffer x, Weight g, int rows, int cols, float eps, Buffer out);

    /**
     * Rotary position embedding in place on {@code x} ({@code [n, heads, headDim]}), rotating the
     * first {@code rope.dims()} dimensions of each head by the angle of {@code positions[i]}.
     */
    void rope(Buffer x, int n, int heads, int headDim, int[] positions, Rope rope);

    /**
     * Writes {@code k} and {@code v} ({@code [n, kvHeads·headDim]}) into cache slots {@code slots} of
     * layer {@code layer}. For a chain the slot is the position; a token tree stores its nodes in
     * consecutive slots after the prefix while their RoPE positions follow the tree depth.
     */
    void storeKv(KvCache cache, int layer, Buffer k, Buffer v, int n, int[] slots);

    /** Copies the K/V of every layer from slot {@code from[i]} to slot {@code to[i]} (keeping an accepted tree path). */
    void moveKv(KvCache cache, int[] from, int[] to);

    /**
     * Attention of {@code n} queries ({@code [n, heads, headDim]}) over the cache of {@code layer},
     * writing {@code [n, heads, headDim]} to {@code out}. Which cache slots each query sees is given
     * by {@code mask} and the queries' {@code positions}; GQA maps query head {@code h} to kv head {@code h / (heads / kvHeads)}.
     */
    void attention(Buffer q, KvCache cache, int layer, int n, int[] positions, AttentionMask mask,
                   AttentionParams params, Buffer out);

    /** {@code gate = act(gate) * up} over {@code count} floats (SwiGLU with SILU, GeGLU with GELU). */
    void gatedActivation(Buffer gate, Buffer up, long count, Activation act);

    /** {@code dst += src} over {@code count} floats. */
    void add(Buffer dst, Buffer src, long count);

    /** {@code x *= s} over {@code count} floats. */
    void scale(Buffer x, long count, float s);

    /** {@code x = cap · tanh(x / cap)} over {@code count} floats (Gemma 2 soft-capping). */
    void softcap(Buffer x, long count, float cap);

    /** Index of the largest of the {@code count} floats at {@code offset} (first one on ties). */
    int argmax(Buffer x, long offset, int count);

    /** Waits for queued work (a no-op on synchronous backends). */
    default void synchronize() {}

    @Override
    void close();

    /** The gating activation of a gated feed-forward block. */
    enum Activation { SILU, GELU_TANH }
}
