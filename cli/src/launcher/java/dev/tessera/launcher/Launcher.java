package dev.tessera.launcher;

/**
 * Entry point of {@code tessera.jar}. Compiled for Java 8 so that an old JVM runs it far enough to
 * refuse with one line naming the JDK it needs, instead of an UnsupportedClassVersionError. On a
 * JDK 25+ it hands over to {@code dev.tessera.cli.Main}.
 */
public final class Launcher {
    static final int REQUIRED_FEATURE = 25;

    private Launcher() {}

    public static void main(String[] args) throws Throwable {
        int feature = featureVersion(System.getProperty("java.specification.version", "0"));
        if (feature < REQUIRED_FEATURE) {
            System.err.println("tessera: needs Java " + REQUIRED_FEATURE + " or newer, but this is Java "
                    + System.getProperty("java.version") + " at " + System.getProperty("java.home")
                    + "; run it with a JDK 25+ java binary.");
            System.exit(2);
        }
        // The real entry point is compiled for 25 and cannot be linked from this class file.
        Class.forName("dev.tessera.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
    }

    static int featureVersion(String spec) {
        String s = spec.startsWith("1.") ? spec.substring(2) : spec;
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end == 0 ? 0 : Integer.parseInt(s.substring(0, end));
    }
}
