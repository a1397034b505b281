package dev.tessera.cli;

import dev.tessera.model.Generator;
import dev.tessera.model.chat.ChatFormat;
import dev.tessera.model.chat.ChatMessage;
import dev.tessera.model.chat.ChatTemplates;
import dev.tessera.model.chat.Conversation;
import dev.tessera.model.gguf.GgufFile;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.weights.WeightSources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code tessera chat}: an interactive conversation in the model's chat format. The KV cache is
 * kept across turns, so each turn evaluates only its new text. {@code /exit} or end of input
 * leaves; Ctrl-C stops the current reply and returns to the prompt.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model using its chat template.")
final class ChatCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SamplingOptions sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt")
    String system;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "Chat format to use instead of the model's (chatml, llama2, llama3, mistral-v3, gemma, phi3, zephyr ...)")
    String template;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1", description = "Most tokens per reply; -1 = until end of turn (default: ${DEFAULT-VALUE})")
    int nPredict;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    ChatCommand(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        try (ModelOptions.Loaded l = model.load(err, 0)) {
            Tokenizer tok = l.tokenizer();
            ChatFormat format = chooseFormat(tok);
            int eos = tok.eos();
            Conversation conv = new Conversation(format, eos >= 0 ? tok.piece(eos) : "");
            Generator gen = new Generator(l.session(), tok, sampling.sampler());
            AtomicBoolean generating = new AtomicBoolean();
            AtomicBoolean cancel = new AtomicBoolean();
            installInterrupt(generating, cancel);
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            boolean systemPending = system != null && !system.isBlank();
            err.println("chat format " + format.id() + "; /exit or Ctrl-D to leave, Ctrl-C stops a reply");
            while (true) {
                out.print("> ");
                out.flush();
                String line = reader.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.isBlank()) continue;
                if (systemPending) {
                    conv.add(ChatMessage.system(system));
                    systemPending = false;
                }
                Conversation.Turn turn = conv.add(ChatMessage.user(line));
                if (turn.fromStart()) {
                    l.session().rollback(0);
                    gen.discardPending();
                }
                int[] ids = tok.encode(turn.text(), turn.fromStart(), true);
                StringBuilder reply = new StringBuilder();
                cancel.set(false);
                generating.set(true);
                Generator.Result r;
                try {
                    r = gen.generate(ids, nPredict, List.of(), s -> {
                        reply.append(s);
                        out.print(s);
                        out.flush();
                    }, cancel::get);
                } finally {
                    generating.set(false);
                }
                out.println();
                if (r.stop() == Generator.Stop.END_OF_TEXT) gen.discardPending();
                if (r.stop() == Generator.Stop.CONTEXT_FULL) {
                    err.println("context is full (" + l.session().capacity() + " tokens): starting over; raise --ctx or pass --context-shift");
                    conv = new Conversation(format, eos >= 0 ? tok.piece(eos) : "");
                    l.session().rollback(0);
                    gen.discardPending();
                    systemPending = system != null && !system.isBlank();
                    continue;
                }
                conv.addReply(reply.toString());
            }
        }
        return 0;
    }

    private ChatFormat chooseFormat(Tokenizer tok) {
        if (template != null) {
            return ChatTemplates.detect(template).orElseThrow(() -> new IllegalArgumentException("--chat-template " + template + ": not a known chat format"));
        }
        return ChatTemplates.choose(modelTemplate(model.path()), tok);
    }

    /** The Jinja template shipped with the model at {@code m}, if any. */
    static Optional<String> modelTemplate(Path m) {
        try {
            if (Files.isDirectory(m)) {
                Path cfg = m.resolve("tokenizer_config.json");
                if (!Files.isRegularFile(cfg)) return Optional.empty();
                Object t = dev.tessera.model.json.Json.parseObject(Files.readString(cfg)).get("chat_template");
                return t instanceof String s ? Optional.of(s) : Optional.empty();
            }
            if (WeightSources.isGguf(m)) {
                try (GgufFile f = GgufFile.open(m)) {
                    return f.metadata().string(ChatTemplates.GGUF_KEY);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(m + ": cannot read the chat template: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Ctrl-C while a reply streams stops that reply; at the prompt it reminds how to leave. */
    private void installInterrupt(AtomicBoolean generating, AtomicBoolean cancel) {
        try {
            Signal.handle(new Signal("INT"), s -> {
                if (generating.get()) cancel.set(true);
                else err.println("\n(use /exit or Ctrl-D to leave)");
            });
        } catch (IllegalArgumentException e) {
            // no SIGINT on this platform: Ctrl-C keeps its default meaning
        }
    }
}
