package dev.tessera.cli;

import dev.tessera.kernels.cuda.CudaBackend;
import dev.tessera.kernels.simd.CpuBackend;
import dev.tessera.model.LoadTrace;
import dev.tessera.model.Model;
import dev.tessera.model.ModelConfig;
import dev.tessera.model.Session;
import dev.tessera.model.ModelOpener;
import dev.tessera.model.hub.HubPath;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.tensor.Backend;
import dev.tessera.testmodels.EmbeddedModel;
import dev.tessera.tensor.TensorType;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options naming a model and how to run it, shared by {@code run} and {@code chat}. */
final class ModelOptions {
    /** Context used when the model's own is longer and {@code --ctx} is not given. */
    static final int DEFAULT_CTX_CAP = 4096;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF file, Hugging Face safetensors folder, llama2.c .bin checkpoint, or hf://owner/name[/file] "
                    + "(downloaded into the Hugging Face cache) (default: the embedded model)")
    String model;

    private Path resolved;

    @Option(names = "--device", paramLabel = "DEV", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
    String device;

    /** The backend {@code --device} names; CUDA fails with one line saying why it is not available. */
    Backend backend() {
        String d = device.toLowerCase(java.util.Locale.ROOT);
        if (d.equals("cpu")) return threads == null ? new CpuBackend() : new CpuBackend(threads);
        if (d.equals("cuda") || d.matches("cuda:\\d+")) {
            int ordinal = d.equals("cuda") ? 0 : Integer.parseInt(d.substring(5));
            return CudaBackend.open(ordinal);
        }
        throw new IllegalArgumentException("--device " + device + ": expected cpu, cuda or cuda:N");
    }

    /** The model to load: {@code -m} (an hf:// address is fetched, or found in the cache, the first time), or the one packed in the jar. */
    Path path() {
        if (resolved == null) resolved = model != null ? HubPath.resolve(model) : EmbeddedModel.path();
        return resolved;
    }

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer to use (default: from the model; for llama2.c, tok512.bin/tokenizer.bin beside it)")
    Path tokenizer;

    @Option(names = {"-c", "--ctx", "--ctx-size"}, paramLabel = "N",
            description = "KV cache size in tokens (default: the model's context, at most " + DEFAULT_CTX_CAP + ")")
    Integer ctx;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache type: f16 or f32 (default: f16, as llama.cpp)")
    String kvType;

    @Option(names = "--context-shift", description = "When the context is full, drop the older half and continue instead of stopping")
    boolean contextShift;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "Prompt tokens per forward pass (default: 512, llama.cpp's micro-batch)")
    Integer batch;

    /** A loaded model with its tokenizer and a fresh session. */
    record Loaded(Backend backend, Model model, Tokenizer tokenizer, Session session, long loadNanos) implements AutoCloseable {
        @Override
        public void close() {
            session.close();
            model.close();
            backend.close();
        }
    }

    Loaded load(PrintStream err, int keep) {
        long t0 = System.nanoTime();
        String kvName = kvType != null ? kvType : "f16";
        int batch = this.batch != null ? this.batch : 512;
        TensorType kv = switch (kvName.toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> TensorType.F32;
            case "f16" -> TensorType.F16;
            default -> throw new IllegalArgumentException("--kv-type " + kvType + ": expected f32 or f16");
        };
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads " + threads + ": expected >= 1");
        if (batch < 1) throw new IllegalArgumentException("--batch-size " + batch + ": expected >= 1");
        LoadTrace.mark("options parsed");
        Backend backend = backend();
        LoadTrace.mark("backend " + backend.name() + " started");
        try {
            ModelOpener.Opened opened = ModelOpener.open(path(), tokenizer, backend);
            Model m = opened.model();
            try {
                Tokenizer tok = opened.tokenizer();
                LoadTrace.mark("model and tokenizer ready");
                int trained = m.config().contextLength();
                int n;
                if (ctx == null) {
                    n = Math.min(trained, DEFAULT_CTX_CAP);
                    if (n < trained) err.println("note: context capped at " + n + " tokens (the model supports " + trained + "); use --ctx to change");
                } else {
                    if (ctx < 2) throw new IllegalArgumentException("--ctx " + ctx + ": expected at least 2");
                    n = ctx;
                    if (n > trained) err.println("warning: --ctx " + n + " exceeds the model's training context of " + trained + " tokens");
                }
                if (tok.vocabSize() > m.config().vocabSize()) {
                    throw new IllegalArgumentException("tokenizer has " + tok.vocabSize() + " tokens but the model only " + m.config().vocabSize());
                }
                if (backend instanceof CpuBackend) n = fitInHeap(n, ctx != null, m.config(), kv, err);
                Session s = new Session(m.transformer(batch, 1), n, kv, contextShift, keep);
                LoadTrace.mark("session, kv cache of " + n + " tokens");
                return new Loaded(backend, m, tok, s, System.nanoTime() - t0);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Heap kept free beside the KV cache for activations and logits. */
    private static final long HEAP_RESERVE = 64L << 20;

    /**
     * The CPU backend keeps the KV cache on the Java heap. A context that does not fit is refused
     * ({@code --ctx}) or shrunk (the default) with one line saying so, not an OutOfMemoryError later.
     */
    private static int fitInHeap(int n, boolean explicit, ModelConfig c, TensorType kv, PrintStream err) {
        long perToken = 2L * c.layers() * c.kvDim() * (kv == TensorType.F32 ? Float.BYTES : Short.BYTES);
        if (freeHeap() >= perToken * n) return n;
        System.gc(); // most of what loading allocated may be garbage
        long free = freeHeap();
        if (free >= perToken * n) return n;
        String why = "a KV cache of " + n + " tokens needs " + (perToken * n >> 20) + " MiB but the Java heap has "
                + (Math.max(0, free) >> 20) + " MiB free";
        int fits = (int) Math.min(n, Math.max(0, free) / perToken);
        if (explicit || fits < 2) throw new IllegalArgumentException((explicit ? "--ctx " + n + ": " : "") + why
                + "; lower --ctx, use --kv-type f16 or raise -Xmx");
        err.println("note: context capped at " + fits + " tokens: " + why + " (use --kv-type f16 or raise -Xmx for more)");
        return fits;
    }

    private static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - HEAP_RESERVE;
    }
}
