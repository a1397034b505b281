package dev.tessera.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library example a reader copies from README.md ("## Use it as a library", its first java
 * block; examples/library-demo's LibraryExample.java until the README has that section) compiles
 * against the project's classes and runs against the embedded model, printing the right text.
 */
class ReadmeExampleTest {
    static final String HEADING = "## Use it as a library";
    /** llama.cpp's greedy continuation for distill3M (shared/ref/distill3M-llamacpp-greedy.json), its first 24 tokens' worth. */
    static final String LLAMA_CPP_GREEDY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the p";

    @Test
    void theExampleCompilesRunsAndPrintsWhatItSays(@TempDir Path classes) throws Exception {
        Path repo = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        String source = exampleSource(repo);
        Matcher name = Pattern.compile("public\\s+(?:final\\s+)?class\\s+(\\w+)").matcher(source);
        assertTrue(name.find(), "the example declares no public class");

        compile(name.group(1), source, classes);
        String out = runMain(name.group(1), classes);

        assertTrue(out.contains("greedy: " + LLAMA_CPP_GREEDY + "\n"), out);
        assertTrue(out.contains("speculative matches plain: true"), out);
        for (String label : List.of("sampled: Lily", "published: Ben", "concurrent: The cat", "chat: ")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(label) && l.length() > label.length() + 3), "no text after \"" + label + "\" in\n" + out);
        }
        Matcher cached = Pattern.compile("\\((\\d+) of (\\d+) prompt tokens came from the cache\\)").matcher(out);
        assertTrue(cached.find(), out);
        assertTrue(Integer.parseInt(cached.group(1)) > 0, "the second chat turn reused nothing: " + cached.group());
    }

    @Test
    void theReadmeBlockIsPreferredOnceTheSectionExists(@TempDir Path repo) throws Exception {
        Path demo = repo.resolve("examples/library-demo/src/main/java/LibraryExample.java");
        Files.createDirectories(demo.getParent());
        Files.writeString(demo, "class FromDemo {}");
        Files.writeString(repo.resolve("README.md"), "# T\n\n## Build\n```java\nclass NotThis {}\n```\n");
        assertEquals("class FromDemo {}", exampleSource(repo), "no section yet: the demo's file");
        Files.writeString(repo.resolve("README.md"), "# T\n\n" + HEADING + "\n\nText.\n\n```xml\n<x/>\n```\n```java\nclass A {}\n```\n"
                + "```java\nclass B {}\n```\n## Next\n```java\nclass C {}\n```\n");
        assertEquals("class A {}", exampleSource(repo));
    }

    /** The first java block under the README heading, else the demo's source file. */
    static String exampleSource(Path repo) throws Exception {
        Path readme = repo.resolve("README.md");
        if (Files.isRegularFile(readme)) {
            String text = Files.readString(readme, StandardCharsets.UTF_8);
            int at = text.indexOf("\n" + HEADING + "\n");
            if (at >= 0) {
                int next = text.indexOf("\n## ", at + 1);
                String section = text.substring(at, next < 0 ? text.length() : next);
                Matcher block = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL).matcher(section);
                assertTrue(block.find(), "README.md: no ```java block under \"" + HEADING + "\"");
                return block.group(1);
            }
        }
        return Files.readString(repo.resolve("examples/library-demo/src/main/java/LibraryExample.java"), StandardCharsets.UTF_8);
    }

    static void compile(String className, String source, Path classes) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler: tests need a JDK");
        JavaFileObject file = new SimpleJavaFileObject(Path.of(className + ".java").toUri(), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) { return source; }
        };
        StringWriter messages = new StringWriter();
        List<String> options = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"), "-Xlint:all", "-Werror");
        boolean ok = javac.getTask(messages, null, null, options, null, List.of(file)).call();
        assertTrue(ok, "the example does not compile:\n" + messages);
    }

    /** Runs {@code main} with stdout captured. */
    static String runMain(String className, Path classes) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass(className).getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        return out;
    }
}
