package dev.tessera.launcher;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code tessera.jar}. Compiled for Java 8 so that it can run on any JVM far enough to
 * (1) refuse a JDK older than 25 with one line, and (2) re-execute the same JVM binary with
 * {@code --add-modules jdk.incubator.vector} when the Vector API module is not in the boot layer.
 * The re-executed JVM carries {@code -Dtessera.relaunched=true}, so there is never a second relaunch.
 */
public final class Launcher {
    static final int REQUIRED_FEATURE = 25;
    private static final String MAIN = "dev.tessera.cli.Main";
    private static final String RELAUNCHED = "tessera.relaunched";

    private Launcher() {}

    public static void main(String[] args) throws Throwable {
        int feature = featureVersion(System.getProperty("java.specification.version", "0"));
        if (feature < REQUIRED_FEATURE) {
            System.err.println("tessera: needs Java " + REQUIRED_FEATURE + " or newer, but this is Java "
                    + System.getProperty("java.version") + " at " + System.getProperty("java.home")
                    + "; run it with a JDK 25+ java binary.");
            System.exit(2);
        }
        if (!vectorModulePresent()) {
            if (Boolean.getBoolean(RELAUNCHED)) {
                System.err.println("tessera: module jdk.incubator.vector is missing from this Java runtime ("
                        + System.getProperty("java.home") + "); use a full JDK 25+.");
                System.exit(2);
            }
            System.exit(relaunch(args));
        }
        Class.forName(MAIN).getMethod("main", String[].class).invoke(null, (Object) args);
    }

    static int featureVersion(String spec) {
        String s = spec.startsWith("1.") ? spec.substring(2) : spec;
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end == 0 ? 0 : Integer.parseInt(s.substring(0, end));
    }

    private static boolean vectorModulePresent() {
        // ModuleLayer is Java 9+; this code only runs on 25+, so plain linkage would work, but the
        // launcher is compiled for 8, hence the lookup through the system property the JVM sets.
        String added = System.getProperty("jdk.module.addmods", "");
        for (String m : added.split(",")) {
            if (m.trim().equals("jdk.incubator.vector") || m.trim().equals("ALL-SYSTEM")) return true;
        }
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.contains("jdk.incubator.vector")) return true;
        }
        return false;
    }

    private static int relaunch(String[] args) throws Exception {
        String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String jar = new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        List<String> cmd = new ArrayList<String>();
        cmd.add(javaBin);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + RELAUNCHED + "=true");
        cmd.add("-cp");
        cmd.add(jar);
        cmd.add(MAIN);
        for (String a : args) cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        final Process p = pb.start();
        // Forward Ctrl-C/termination to the child so it never outlives the launcher.
        Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
            public void run() { p.destroy(); }
        }));
        return p.waitFor();
    }
}
