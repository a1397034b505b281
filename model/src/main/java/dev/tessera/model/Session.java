package dev.tessera.model;

import dev.tessera.tensor.AttentionMask;
import dev.tessera.tensor.KvCache;
import dev.tessera.tensor.TensorType;
import java.util.Arrays;

/**
 * One sequence being generated: its KV cache and the tokens in it. Prefill runs in chunks of the
 * transformer's batch size, decode one token at a time; {@link #rollback} truncates to any length.
 *
 * <p>When the cache is full, a session either stops ({@link ContextFullException}) or, with
 * context shifting on, keeps the first {@code keep} tokens and the newer half of the rest and
 * re-evaluates them at fresh positions (exact attention, at the cost of one prefill).
 */
public final class Session implements AutoCloseable {
    private final Transformer model;
    private final KvCache cache;
    private final boolean contextShift;
    private final int keep;
    private int[] tokens;
    private int length;
    private final float[] logits;
    private final int[] one = new int[1], onePos = new int[1];
    private static final int[] LAST_ROW = {0};

    /**
     * @param capacity     KV cache positions
     * @param kvType       F32 or F16
     * @param contextShift shift instead of failing when full
     * @param keep         tokens at the start never shifted out (e.g. BOS and a system prompt)
     */
    public Session(Transformer model, int capacity, TensorType kvType, boolean contextShift, int keep) {
        if (kvType != TensorType.F32 && kvType != TensorType.F16) {
            throw new IllegalArgumentException("--kv-type " + kvType + ": expected f32 or f16");
        }
        if (capacity < 2) throw new IllegalArgumentException("--ctx " + capacity + ": expected at least 2");
        this.model = model;
        this.cache = model.newCache(capacity, kvType);
        this.contextShift = contextShift;
        this.keep = Math.max(0, Math.min(keep, capacity / 2));
        this.tokens = new int[Math.min(capacity, 1024)];
        this.logits = new float[model.config().vocabSize()];
    }

    public Transformer model() { return model; }

    public KvCache cache() { return cache; }

    /** Tokens currently in the cache. */
    public int length() { return length; }

    public int capacity() { return cache.capacity(); }

    /** The tokens in the cache, oldest first. */
    public int[] tokens() { return Arrays.copyOf(tokens, length); }

    /** Forgets everything after the first {@code newLength} tokens. */
    public void rollback(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("rollback to " + newLength + ": expected 0.." + length);
        length = newLength;
    }

    /**
     * Appends {@code input} and returns the logits after its last token (a view reused by the next
     * call). Empty input is an error.
     */
    public float[] append(int[] input) {
        if (input.length == 0) throw new IllegalArgumentException("no tokens to evaluate");
        makeRoom(input.length);
        int chunk = model.maxBatch();
        for (int start = 0; start < input.length; start += chunk) {
            int n = Math.min(chunk, input.length - start);
            evaluate(Arrays.copyOfRange(input, start, start + n), start + n == input.length);
        }
        return logits;
    }

    /** Appends one token and returns the logits after it (no allocation). */
    public float[] decode(int token) {
        makeRoom(1);
        one[0] = token;
        onePos[0] = length;
        model.forward(cache, one, onePos, onePos, AttentionMask.CAUSAL, LAST_ROW, logits);
        push(token);
        return logits;
    }

    private void evaluate(int[] chunk, boolean wantLogits) {
        int n = chunk.length;
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = length + i;
        int[] rows = wantLogits ? new int[] {n - 1} : new int[0];
        model.forward(cache, chunk, pos, pos, AttentionMask.CAUSAL, rows, logits);
        for (int t : chunk) push(t);
    }

    private void push(int t) {
        if (length == tokens.length) tokens = Arrays.copyOf(tokens, Math.min(cache.capacity(), tokens.length * 2));
        tokens[length++] = t;
    }

    private void makeRoom(int incoming) {
        if (length + incoming <= cache.capacity()) return;
        if (!contextShift || incoming > cache.capacity() - keep - 1) throw new ContextFullException(cache.capacity());
        // Drop the older half of the shiftable tokens (more if the input needs it), then re-evaluate the rest.
        int shiftable = length - keep;
        int drop = Math.max(shiftable / 2, length + incoming - cache.capacity());
        int[] kept = new int[length - drop];
        System.arraycopy(tokens, 0, kept, 0, keep);
        System.arraycopy(tokens, keep + drop, kept, keep, length - keep - drop);
        length = 0;
        if (kept.length > 0) append(kept);
    }

    @Override
    public void close() { cache.close(); }
}
