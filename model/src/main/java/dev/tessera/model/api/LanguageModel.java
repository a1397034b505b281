package dev.tessera.model.api;

import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.Model;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.ModelOpener;
import dev.tessera.model.chat.ChatFormat;
import dev.tessera.model.chat.ChatMessage;
import dev.tessera.model.chat.ChatTemplates;
import dev.tessera.model.hub.HubClient;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.hub.RepoRef;
import dev.tessera.model.spec.DraftModelDrafter;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.weights.GgufWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A model loaded for generation: its weights (memory-mapped), tokenizer and chat format, and a CPU
 * backend. Any number of threads may generate at once; each running generation gets its own KV
 * cache and scratch buffers (kept afterwards for the next one, which reuses the cached part of its
 * prompt), while the weights are shared. {@link #close()} cancels running generations, waits for
 * them and unmaps the weights; the model cannot be used afterwards.
 *
 * <pre>{@code
 * try (LanguageModel model = LanguageModel.open(Path.of("model.gguf"))) {
 *     model.generate("Once upon a time", GenerationOptions.defaults()).run(System.out::print);
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    private final Path path;
    private final LoadOptions options;
    private final CpuBackend backend;
    private final Model model;
    private final Tokenizer tokenizer;
    private final int contextLength;
    /** Generations hold it shared; close takes it exclusively, so it waits for them. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<Generation> running = ConcurrentHashMap.newKeySet();
    private final List<Slot> idle = new ArrayList<>();
    private final List<Slot> all = new ArrayList<>();
    private volatile boolean closed;
    private ChatFormat chatFormat;
    private boolean freed; // guarded by the lifecycle write lock

    private LanguageModel(Path path, LoadOptions options, CpuBackend backend, Model model, Tokenizer tokenizer, int contextLength) {
        this.path = path;
        this.options = options;
        this.backend = backend;
        this.model = model;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /** Opens a GGUF file, a Hugging Face safetensors folder or a llama2.c checkpoint with default options. */
    public static LanguageModel open(Path path) { return open(path, LoadOptions.defaults()); }

    /**
     * Opens a local path, an {@code hf://owner/name[/file]} address, or a Hugging Face repo id
     * ({@code owner/name[:FILE]}, when no such local path exists), downloading into the Hugging Face
     * cache as {@code tessera pull} does.
     */
    public static LanguageModel open(String model, LoadOptions options) {
        Path local = Path.of(model);
        if (RepoRef.isHubUri(model) || Files.exists(local)) return open(HubPath.resolve(model), options);
        return open(HubClient.fromEnvironment().pull(RepoRef.parsePullSpec(model)), options);
    }

    /**
     * Opens a GGUF file, a Hugging Face safetensors folder or a llama2.c checkpoint (its tokenizer
     * beside it as {@code tokenizer.bin} or {@code tok512.bin}, or given in the options).
     *
     * @throws dev.tessera.model.FormatException   if the files cannot be read as a model
     * @throws IllegalArgumentException            if the options do not fit the model
     */
    public static LanguageModel open(Path path, LoadOptions options) {
        CpuBackend backend = options.threads() > 0 ? new CpuBackend(options.threads()) : new CpuBackend();
        try {
            ModelOpener.Opened opened = ModelOpener.open(path, options.tokenizer(), backend);
            Model m = opened.model();
            try {
                Tokenizer tok = opened.tokenizer();
                if (tok.vocabSize() > m.config().vocabSize()) {
                    throw new IllegalArgumentException("tokenizer has " + tok.vocabSize() + " tokens but the model only " + m.config().vocabSize());
                }
                int n = options.contextLength() > 0 ? options.contextLength() : Math.min(m.config().contextLength(), LoadOptions.DEFAULT_CONTEXT_CAP);
                LanguageModel lm = new LanguageModel(path, options, backend, m, tok, n);
                if (options.chatTemplate() != null) lm.chatFormat(); // a bad name fails now, not at the first chat
                return lm;
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** A generation continuing {@code prompt} (BOS added as the model asks; special-token text such as {@code <|im_start|>} is parsed). */
    public Generation generate(String prompt, GenerationOptions options) {
        return generate(encode(prompt), options);
    }

    /** A generation of the assistant's reply to {@code messages}, rendered with the model's chat format. */
    public Generation generate(List<ChatMessage> messages, GenerationOptions options) {
        checkOpen();
        return generate(encode(render(messages)), options);
    }

    /**
     * A generation continuing a prompt already tokenized (with BOS if the model wants one), for
     * callers that tokenize themselves, such as a server.
     */
    public Generation generate(int[] promptTokens, GenerationOptions options) {
        checkOpen();
        int[] prompt = promptTokens.clone();
        if (prompt.length == 0) throw new IllegalArgumentException("promptTokens: expected at least one token");
        for (int id : prompt) {
            if (id < 0 || id >= model.config().vocabSize()) {
                throw new IllegalArgumentException("promptTokens: token " + id + " is outside the vocabulary of " + model.config().vocabSize());
            }
        }
        check(options);
        return new Generation((self, out) -> guarded(self, () -> {
            Slot slot = borrow(prompt);
            try {
                return slot.generate(prompt, options, out, self::isCancelled);
            } finally {
                giveBack(slot);
            }
        }));
    }

    /** A multi-turn chat that keeps its KV cache across turns; close it to give the cache back. */
    public Chat startChat() { return startChat(null); }

    /** A multi-turn chat starting with a system prompt (null: none). */
    public Chat startChat(String systemPrompt) {
        checkOpen();
        chatFormat();
        return new Chat(this, systemPrompt);
    }

    public Path path() { return path; }

    public ModelConfig config() { return model.config(); }

    public Tokenizer tokenizer() { return tokenizer; }

    /** KV cache positions of each generation (prompt and generated tokens together). */
    public int contextLength() { return contextLength; }

    /**
     * The chat format: {@link LoadOptions#chatTemplate()}, else the one the model's chat template
     * denotes, else ChatML when the vocabulary has {@code <|im_start|>}.
     *
     * @throws IllegalArgumentException if the model has none of these
     */
    public synchronized ChatFormat chatFormat() {
        if (chatFormat == null) chatFormat = findChatFormat();
        return chatFormat;
    }

    public boolean isClosed() { return closed; }

    /**
     * Cancels running generations, waits for them to end, then frees the KV caches, unmaps the
     * weights and stops the backend's threads. Closing twice is harmless.
     *
     * @throws IllegalStateException if called from inside one of this model's generations
     */
    @Override
    public void close() {
        if (lifecycle.getReadHoldCount() > 0) throw new IllegalStateException("a model cannot be closed from inside one of its generations");
        closed = true;
        running.forEach(Generation::cancel);
        lifecycle.writeLock().lock();
        try {
            if (freed) return;
            freed = true;
            synchronized (idle) {
                all.forEach(Slot::close);
                all.clear();
                idle.clear();
            }
            model.close();
            backend.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    int[] encode(String text) {
        checkOpen();
        int[] ids = tokenizer.encode(text, true, true);
        if (ids.length > 0) return ids;
        if (tokenizer.bos() < 0) throw new IllegalArgumentException("empty prompt and the model has no BOS token to start from");
        return new int[] {tokenizer.bos()};
    }

    String render(List<ChatMessage> messages) {
        int eos = tokenizer.eos();
        return chatFormat().render(messages, true, eos >= 0 ? tokenizer.piece(eos) : "");
    }

    /** Refuses options this model cannot honour. */
    void check(GenerationOptions o) {
        int vocab = model.config().vocabSize();
        for (int id : o.logitBias().keySet()) {
            if (id >= vocab) throw new IllegalArgumentException("logitBias token " + id + ": expected an id below the vocabulary size " + vocab);
        }
        if (o.draftModel() != null) {
            if (o.draftModel() == this) throw new IllegalArgumentException("draftModel: the model cannot draft for itself; use Speculation.SELF");
            o.draftModel().checkOpen();
            DraftModelDrafter.checkSameVocabulary(tokenizer, o.draftModel().tokenizer, o.draftModel().path.toString());
        }
    }

    /** Runs {@code work} unless the model is closed; close waits for it (and cancels {@code generation} first). */
    <T> T guarded(Generation generation, Supplier<T> work) {
        lifecycle.readLock().lock();
        try {
            checkOpen();
            if (generation == null) return work.get();
            running.add(generation);
            try {
                if (closed) generation.cancel();
                return work.get();
            } finally {
                running.remove(generation);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    <T> T guarded(Supplier<T> work) { return guarded(null, work); }

    /**
     * An idle slot, the one whose cache holds the longest prefix of {@code prompt} (null: any), or a
     * new one; the caller has it to itself until {@link #giveBack}.
     */
    Slot borrow(int[] prompt) {
        synchronized (idle) {
            Slot best = null;
            int bestPrefix = -1;
            for (Slot s : idle) {
                int p = prompt == null ? 0 : s.cachedPrefix(prompt);
                if (p > bestPrefix) {
                    best = s;
                    bestPrefix = p;
                }
            }
            if (best != null) {
                idle.remove(best);
                return best;
            }
        }
        Slot s = new Slot(model, tokenizer, options, contextLength);
        synchronized (idle) {
            all.add(s);
        }
        return s;
    }

    void giveBack(Slot slot) {
        synchronized (idle) {
            if (all.contains(slot)) idle.add(slot);
        }
    }

    Model model() { return model; }

    LoadOptions loadOptions() { return options; }

    void checkOpen() {
        if (closed) throw new IllegalStateException(path + ": the model is closed");
    }

    private ChatFormat findChatFormat() {
        if (options.chatTemplate() != null) {
            return ChatTemplates.detect(options.chatTemplate()).orElseThrow(() -> new IllegalArgumentException(
                    "chatTemplate " + options.chatTemplate() + ": not a known chat format (chatml, llama2, llama3, mistral-v1/v3/v3-tekken/v7, gemma, phi3, zephyr)"));
        }
        try {
            if (model.source() instanceof GgufWeights g) return ChatTemplates.fromGguf(g.file().metadata(), tokenizer);
            if (Files.isDirectory(path)) return ChatTemplates.fromTokenizerConfig(path.resolve("tokenizer_config.json"), tokenizer);
            return ChatTemplates.choose(Optional.empty(), tokenizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage().replace("pass --chat-template NAME", "set LoadOptions.chatTemplate"), e);
        }
    }
}
