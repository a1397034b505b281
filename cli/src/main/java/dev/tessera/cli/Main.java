package dev.tessera.cli;

import dev.tessera.model.ContextFullException;
import dev.tessera.model.FormatException;
import dev.tessera.model.LoadTrace;
import dev.tessera.model.hub.HubException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tessera} command line: one subcommand per job. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
        description = "Pure-Java LLM inference runtime.",
        subcommands = {CommandLine.HelpCommand.class, InfoCommand.class, PullCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Show stack traces on errors.")
    boolean debug;

    public static void main(String[] args) {
        LoadTrace.mark("main");
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
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.addSubcommand(new RunCommand(in, out, err));
        cl.addSubcommand(new ChatCommand(in, out, err));
        cl.addSubcommand(new TokenizeCommand(in, out));
        cl.addSubcommand(new PerplexityCommand(out, err));
        cl.addSubcommand(new BenchCommand(out, err));
        cl.addSubcommand(new ServeCommand(err));
        cl.addSubcommand(new QuantizeCommand(err));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // Bad input is one line and exit code 2; a stack trace only with --debug.
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof FormatException || e instanceof IllegalArgumentException || e instanceof ContextFullException
                    || e instanceof UncheckedIOException || e instanceof java.io.IOException || e instanceof HubException) {
                err.println("tessera: " + e.getMessage());
                if (main.debug) e.printStackTrace(err);
                err.flush();
                return 2;
            }
            throw e;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
