package dev.tessera.model.server;

import dev.tessera.model.Generator;
import dev.tessera.model.Session;
import dev.tessera.model.chat.ChatFormat;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The {@link CompletionEngine} over a real model: one {@link Session} (KV cache), the model's
 * tokenizer and, for chat, the model's chat format. Consecutive requests that share a prompt
 * prefix reuse its cached keys and values instead of evaluating it again.
 */
public final class GeneratorEngine implements CompletionEngine {
    /** llama.cpp's server default: penalties look at the last 64 tokens. */
    private static final int PENALTY_WINDOW = 64;

    private final String modelId;
    private final Session session;
    private final Tokenizer tokenizer;
    private final ChatFormat chatFormat;
    private final String endOfText;
    private final SecureRandom seeds = new SecureRandom();

    /**
     * @param session    the KV cache generation runs in; the engine owns its contents from now on
     * @param chatFormat how messages become a prompt, or null when the model has none (chat requests then get 400)
     */
    public GeneratorEngine(String modelId, Session session, Tokenizer tokenizer, ChatFormat chatFormat) {
        this.modelId = modelId;
        this.session = session;
        this.tokenizer = tokenizer;
        this.chatFormat = chatFormat;
        this.endOfText = tokenizer.eos() >= 0 ? tokenizer.piece(tokenizer.eos()) : "";
    }

    @Override public String modelId() { return modelId; }

    @Override public int contextLength() { return session.capacity(); }

    @Override public int vocabularySize() { return session.model().config().vocabSize(); }

    @Override
    public int[] encode(Prompt prompt) {
        int[] ids = switch (prompt) {
            // like llama.cpp's server: BOS added, special-token text in a raw prompt parsed as those tokens
            case Prompt.Text t -> tokenizer.encode(t.text(), true, true);
            case Prompt.Chat c -> {
                if (chatFormat == null) throw new IllegalArgumentException("this model has no chat template; use /v1/completions");
                // the rendered conversation carries the format's special tokens, which must parse as such
                yield tokenizer.encode(chatFormat.render(c.messages(), true, endOfText), true, true);
            }
        };
        if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty");
        return ids;
    }

    @Override
    public void checkOptions(SamplingOptions o) {
        // every field maps onto llama.cpp's sampler chain (ChainSampler); its own checks still apply
        params(o);
    }

    private SamplingParams params(SamplingOptions o) {
        int[] ids = new int[o.logitBias().size()];
        float[] values = new float[ids.length];
        int i = 0;
        for (Map.Entry<Integer, Double> e : o.logitBias().entrySet()) {
            ids[i] = e.getKey();
            values[i++] = e.getValue().floatValue();
        }
        long seed = o.seed() != null ? o.seed() : seeds.nextLong();
        return new SamplingParams((float) o.temperature(), o.topK(), (float) o.topP(), (float) o.minP(), 1f, 1f, PENALTY_WINDOW,
                (float) o.frequencyPenalty(), (float) o.presencePenalty(), ids, values, seed);
    }

    @Override
    public synchronized Completion generate(int[] prompt, SamplingOptions options, TokenSink sink, BooleanSupplier cancelled) {
        ChainSampler sampler = new ChainSampler(params(options));
        // keep the cached prefix this prompt shares with the last one; at least one token is evaluated for logits
        int keep = Math.min(commonPrefix(session.tokens(), prompt), prompt.length - 1);
        session.rollback(keep);
        for (int i = 0; i < keep; i++) sampler.accept(prompt[i]);
        Generator generator = new Generator(session, tokenizer, sampler);
        boolean[] refused = {false};
        Generator.Result r = generator.generate(Arrays.copyOfRange(prompt, keep, prompt.length), options.maxTokens(), List.of(),
                text -> {
                    if (!refused[0] && !sink.accept(text)) refused[0] = true;
                }, () -> refused[0] || cancelled.getAsBoolean());
        FinishReason reason = switch (r.stop()) {
            case END_OF_TEXT, STOP_STRING -> FinishReason.STOP;
            case LENGTH, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.CANCELLED;
        };
        return new Completion(r.genTokens(), reason);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
