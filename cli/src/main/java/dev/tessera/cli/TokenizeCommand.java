package dev.tessera.cli;

import dev.tessera.model.TokenizerLocator;
import dev.tessera.model.tokenizer.Tokenizer;
import dev.tessera.model.hub.HubPath;
import dev.tessera.testmodels.EmbeddedModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tessera tokenize}: show the ids (and pieces) of a text. Works on vocabulary-only GGUFs. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids and pieces of a text.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF file (vocabulary-only is fine), model folder, tokenizer file, or llama2.c checkpoint (default: the embedded model)")
    String model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer to use instead of the model's")
    Path tokenizer;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize")
    String prompt;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Text to tokenize (alternative to -p)")
    String positional;

    @Option(names = "--stdin", description = "Read the text from standard input")
    boolean stdin;

    @Option(names = "--ids", description = "Print only the ids, as [1, 2, 3]")
    boolean idsOnly;

    @Option(names = "--no-bos", description = "Do not add BOS (or other special tokens the model adds)")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "Treat special-token texts such as <s> as plain text")
    boolean noParseSpecial;

    private final InputStream in;
    private final PrintStream out;

    TokenizeCommand(InputStream in, PrintStream out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        int given = (prompt != null ? 1 : 0) + (positional != null ? 1 : 0) + (stdin ? 1 : 0);
        if (given != 1) throw new IllegalArgumentException("give the text exactly once: -p TEXT, a TEXT argument, or --stdin");
        String text = stdin ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : prompt != null ? prompt : positional;
        Tokenizer tok = TokenizerLocator.locate(model != null ? HubPath.resolve(model) : EmbeddedModel.path(), tokenizer);
        int[] ids = tok.encode(text, !noBos, !noParseSpecial);
        if (idsOnly) {
            StringJoiner j = new StringJoiner(", ", "[", "]");
            for (int id : ids) j.add(Integer.toString(id));
            out.println(j);
        } else {
            for (int id : ids) out.printf("%6d -> '%s'%n", id, tok.piece(id));
        }
        out.flush();
        return 0;
    }
}
