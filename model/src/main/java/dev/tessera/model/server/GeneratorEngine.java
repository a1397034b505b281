package dev.tessera.model.server;

import dev.tessera.model.Generator;
import dev.tessera.model.Model;
import dev.tessera.model.Session;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.SamplingParams;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.tokenizer.Tokenizers;
import dev.tessera.model.weights.WeightSources;
import dev.tessera.tensor.Backend;
import dev.tessera.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The {@link CompletionEngine} over a real model: one {@link Session} (KV cache), the model's
 * tokenizer and, for chat, a renderer of the model's chat template. Consecutive requests that
 * share a prompt prefix reuse its cached keys and values instead of evaluating it again.
 */
public final class GeneratorEngine implements CompletionEngine, AutoCloseable {
    /** llama.cpp's server default: penalties look at the last 64 tokens. */
    private static final int PENALTY_WINDOW = 64;

    private final String modelId;
    private final Model model;
    private final Session session;
    private final Tokenizer tokenizer;
    private final Function<List<ChatMessage>, String> chatRenderer;
    private final SecureRandom seeds = new SecureRandom();

    /**
     * @param chatRenderer renders messages into prompt text ending with the assistant's turn
     *                     opened, or null when the model has no chat template
     */
    public GeneratorEngine(String modelId, Model model, Tokenizer tokenizer, int contextLength,
                           Function<List<ChatMessage>, String> chatRenderer) {
        this.modelId = modelId;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatRenderer = chatRenderer;
        int ctx = Math.min(contextLength, model.config().contextLength());
        this.session = new Session(model.transformer(64, 1), ctx, TensorType.F16, false, 0);
    }

    /** Opens a GGUF file or a Hugging Face folder with the tokenizer it carries. */
    public static GeneratorEngine open(Path path, Backend backend, int contextLength,
                                       Function<List<ChatMessage>, String> chatRenderer) {
        Tokenizer tok;
        if (Files.isDirectory(path)) tok = Tokenizers.fromDirectory(path);
        else if (WeightSources.isGguf(path)) {
            try (GgufFile f = GgufFile.open(path)) {
                tok = Tokenizers.fromGguf(f.metadata());
            }
        } else throw new IllegalArgumentException(path + ": expected a GGUF file or a Hugging Face model folder");
        Model m = Model.open(path, backend);
        String name = path.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        return new GeneratorEngine(name, m, tok, contextLength, chatRenderer);
    }

    @Override public String modelId() { return modelId; }

    @Override public int contextLength() { return session.capacity(); }

    @Override public int vocabularySize() { return model.config().vocabSize(); }

    @Override
    public int[] encode(Prompt prompt) {
        int[] ids = switch (prompt) {
            case Prompt.Text t -> tokenizer.encode(t.text(), true, false);
            case Prompt.Chat c -> {
                if (chatRenderer == null) throw new IllegalArgumentException("this model has no chat template; use /v1/completions");
                // the rendered template carries its own special tokens (BOS included where the template writes it)
                yield tokenizer.encode(chatRenderer.apply(c.messages()), false, true);
            }
        };
        if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty");
        return ids;
    }

    @Override
    public void checkOptions(SamplingOptions o) {
        // every field maps onto llama.cpp's sampler chain (ChainSampler); nothing to refuse
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
        int[] cached = session.tokens();
        int keep = Math.min(commonPrefix(cached, prompt), prompt.length - 1);
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

    @Override
    public void close() {
        session.close();
        model.close();
    }
}
