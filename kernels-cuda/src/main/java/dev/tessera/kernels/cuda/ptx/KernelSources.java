package dev.tessera.kernels.cuda.ptx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CUDA C sources of Tessera's kernels: {@code .cuh} headers and {@code .cu} files, compiled as
 * one translation unit that includes every {@code .cu} in name order. The SHA-256 over names and
 * contents identifies a build of them: packed or cached PTX is used only when its recorded hash
 * equals the sources'.
 */
public record KernelSources(List<Source> files) {
    /** Where the jar carries the sources and the PTX built from them. */
    public static final String RESOURCE_ROOT = "/dev/tessera/kernels/cuda/";
    /** The list of source names (one a line) next to the sources in the jar. */
    public static final String LIST = "sources.list";
    /** The name of the generated translation unit. */
    public static final String UNIT = "tessera_kernels.cu";

    public record Source(String name, String text) {}

    public KernelSources {
        files = List.copyOf(files);
        if (files.isEmpty()) throw new IllegalArgumentException("no CUDA sources");
    }

    /** The {@code .cu} and {@code .cuh} files of {@code dir}, sorted by name. */
    public static KernelSources fromDirectory(Path dir) throws IOException {
        List<Source> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".cu") || n.endsWith(".cuh")) out.add(new Source(n, Files.readString(p)));
            }
        }
        return new KernelSources(out);
    }

    /** The sources packed in the jar under {@link #RESOURCE_ROOT}{@code src/}. */
    public static KernelSources fromResources() {
        String list = resource("src/" + LIST);
        List<Source> out = new ArrayList<>();
        for (String n : list.split("\n")) {
            if (!n.isBlank()) out.add(new Source(n.strip(), resource("src/" + n.strip())));
        }
        return new KernelSources(out);
    }

    private static String resource(String path) {
        try (InputStream in = KernelSources.class.getResourceAsStream(RESOURCE_ROOT + path)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE_ROOT + path + " (jar built without the CUDA sources)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names, one a line, as written to {@link #LIST}. */
    public String list() {
        StringBuilder b = new StringBuilder();
        for (Source s : files) b.append(s.name()).append('\n');
        return b.toString();
    }

    /** The translation unit: one {@code #include} per {@code .cu} file. */
    public String unit() {
        StringBuilder b = new StringBuilder();
        for (Source s : files) if (s.name().endsWith(".cu")) b.append("#include \"").append(s.name()).append("\"\n");
        return b.toString();
    }

    /** Hex SHA-256 over each file's name, byte length and bytes, in order. */
    public String sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Source s : files) {
                byte[] text = s.text().getBytes(StandardCharsets.UTF_8);
                md.update((s.name() + "\n" + text.length + "\n").getBytes(StandardCharsets.UTF_8));
                md.update(text);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes every source and the translation unit into {@code dir}; returns the unit's path. */
    public Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Source s : files) Files.writeString(dir.resolve(s.name()), s.text());
        return Files.writeString(dir.resolve(UNIT), unit());
    }
}
