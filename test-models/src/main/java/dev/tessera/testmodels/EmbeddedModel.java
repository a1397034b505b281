package dev.tessera.testmodels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The model packed into the jar: distill3M, Q8_0 (see test-models/README.md for its provenance and
 * license). It is extracted once to the user's cache directory and verified by sha256 on each use,
 * so it can be mmap'd like any other file instead of being inflated on every start.
 */
public final class EmbeddedModel {
    public static final String NAME = "distill3M-Q8_0.gguf";
    public static final String SHA256 = "c4f4733a1d639cb314b0e03bd4d98bdebdb129b19883cae4c03455f78022008a";
    private static final String RESOURCE = "/dev/tessera/testmodels/" + NAME;

    private EmbeddedModel() {}

    /** A human-readable note on where the model came from, for {@code info} and logs. */
    public static String description() {
        return "embedded model " + NAME + " (distill3M, 3.3M parameters, Q8_0; MIT), extracted to " + cacheFile();
    }

    /** The extracted file, extracting or repairing it first when needed. */
    public static Path path() {
        Path file = cacheFile();
        try {
            if (Files.isRegularFile(file) && SHA256.equals(sha256(file))) return file;
            extract(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the embedded model to " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code $XDG_CACHE_HOME/tessera/models/NAME}, defaulting to {@code ~/.cache}; {@code -Dtessera.cache=DIR} overrides. */
    static Path cacheFile() {
        String own = System.getProperty("tessera.cache");
        if (own != null && !own.isBlank()) return Path.of(own).resolve("models").resolve(SHA256.substring(0, 12)).resolve(NAME);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tessera").resolve("models").resolve(SHA256.substring(0, 12)).resolve(NAME);
    }

    private static void extract(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), NAME, ".part");
        try (InputStream in = EmbeddedModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IOException("resource " + RESOURCE + " is missing from the jar");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            String got = sha256(tmp);
            if (!SHA256.equals(got)) throw new IOException("resource " + RESOURCE + " has sha256 " + got + ", expected " + SHA256);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
