package dev.tessera.kernels.cuda.ptx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * Compiled PTX on disk, one file per (source hash, target): {@code <dir>/<sha256>-<arch>.ptx}.
 * A stale entry cannot be picked up because the name carries the hash of the sources it was
 * built from; a partial one cannot either, because entries are written to a temporary file in
 * the same directory and atomically renamed into place.
 */
public record PtxCache(Path dir) {
    /** {@code $XDG_CACHE_HOME/tessera/cuda}, else {@code ~/.cache/tessera/cuda}. */
    public static PtxCache standard() {
        return new PtxCache(standardDir(System.getenv(), System.getProperty("user.home")));
    }

    static Path standardDir(Map<String, String> env, String home) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".cache");
        return base.resolve("tessera").resolve("cuda");
    }

    public Path entry(String sha256, PtxTarget target) {
        return dir.resolve(sha256 + "-" + target.arch() + ".ptx");
    }

    public Optional<String> get(String sha256, PtxTarget target) {
        Path p = entry(sha256, target);
        try {
            return Files.isRegularFile(p) ? Optional.of(Files.readString(p)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();  // unreadable: treat as absent and recompile
        }
    }

    /** Stores {@code ptx}; a failure to write is reported but the caller keeps the PTX it has. */
    public void put(String sha256, PtxTarget target, String ptx) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, sha256 + "-" + target.arch(), ".tmp");
        try {
            Files.writeString(tmp, ptx);
            Files.move(tmp, entry(sha256, target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
