package dev.tessera.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes {@code java -jar tessera.jar} work without JVM flags: when {@code jdk.incubator.vector} is
 * not in the boot layer, the same JVM binary is started again with {@code --add-modules
 * jdk.incubator.vector} and the user's own JVM options. The child carries
 * {@code -Dtessera.relaunched=true}, so there is never a second relaunch.
 */
final class Relaunch {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String MARKER = "tessera.relaunched";

    /**
     * JIT settings for Tessera's own code. The kernels are Vector API code, which runs about 100x
     * slower until C2 compiles it (every vector is an object in the interpreter and in C1 code), so
     * the first tensors packed and the first forward pass of a 1B model spent seconds that way: C2
     * now takes Tessera's methods after a hundredth of the usual calls, and the calling thread waits
     * for the compiled code instead of running on slowly (1B Q4_0 {@code run -n 1}: 6.0 -> 3.9 s of
     * CPU time to the first token).
     */
    private static final List<String> TUNING = List.of("-XX:CompileCommand=quiet",
            "-XX:CompileCommand=CompileThresholdScaling,dev.tessera.*::*,0.01",
            "-XX:CompileCommand=BackgroundCompilation,dev.tessera.*::*,false");

    private Relaunch() {}

    static boolean needed() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty();
    }

    /** Runs the child JVM to completion and returns its exit code, or empty if relaunching is impossible. */
    static Optional<Integer> run(String[] args) {
        if (Boolean.getBoolean(MARKER)) return Optional.empty();
        Path jar;
        try {
            jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            return Optional.empty();
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        List<String> userArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(userArgs);
        // Serial GC unless the user picked one: the heap is almost all long-lived weights and KV cache,
        // nothing is allocated per token, and G1 would keep a few hundred MB of young regions touched
        // while loading resident for the whole run (1B Q4_0 decode RSS 1.37 -> 1.19 GiB).
        if (userArgs.stream().noneMatch(a -> a.matches("-XX:\\+Use\\w+GC"))) cmd.add("-XX:+UseSerialGC");
        cmd.add("--add-modules=" + VECTOR_MODULE);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + MARKER + "=true");
        cmd.addAll(TUNING);
        cmd.add("-cp");
        cmd.add(jar.toString());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        // Ctrl-C reaches the whole process group: the child decides what it means (chat stops a reply),
        // so this parent must not die of it and leave the child orphaned.
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            return Optional.of(p.waitFor());
        } catch (Exception e) {
            System.err.println("tessera: could not restart the JVM with --add-modules " + VECTOR_MODULE + ": " + e.getMessage());
            return Optional.of(2);
        }
    }
}
