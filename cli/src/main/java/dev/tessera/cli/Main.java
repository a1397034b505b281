package dev.tessera.cli;

import dev.tessera.model.FormatException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tessera} command line: one subcommand per job. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
        description = "Pure-Java LLM inference runtime.",
        subcommands = {CommandLine.HelpCommand.class, InfoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Show stack traces on errors.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output streams and returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        // Bad input is the user's problem, not a bug: one line, exit 2, a stack trace only with --debug.
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            boolean userError = ex instanceof FormatException || ex instanceof IllegalArgumentException;
            cmd.getErr().println("tessera: " + (userError ? "" : "internal error: ") + ex.getMessage());
            if (main.debug || !userError) ex.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return userError ? 2 : 1;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
