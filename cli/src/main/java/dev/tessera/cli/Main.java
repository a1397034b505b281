package dev.tessera.cli;

import dev.tessera.model.ContextFullException;
import dev.tessera.model.FormatException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tessera} command line: one subcommand per job. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
        description = "Pure-Java LLM inference runtime.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (Relaunch.needed()) {
            var code = Relaunch.run(args);
            if (code.isPresent()) System.exit(code.get());
            System.err.println("tessera: module " + Relaunch.VECTOR_MODULE + " is missing from this Java runtime ("
                    + System.getProperty("java.home") + "); use a full JDK 25+.");
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return run(System.in, System.out, System.err, args);
    }

    /** Runs the command line on the given streams and returns the exit code. */
    public static int run(InputStream in, PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new RunCommand(out, err));
        cl.addSubcommand(new ChatCommand(in, out, err));
        cl.addSubcommand(new TokenizeCommand(in, out));
        cl.addSubcommand(new PerplexityCommand(out, err));
        cl.addSubcommand(new QuantizeCommand(err));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // Bad input is one line and exit code 2, never a stack trace.
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof FormatException || e instanceof IllegalArgumentException || e instanceof ContextFullException
                    || e instanceof UncheckedIOException || e instanceof java.io.IOException) {
                err.println("tessera: " + e.getMessage());
                err.flush();
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
