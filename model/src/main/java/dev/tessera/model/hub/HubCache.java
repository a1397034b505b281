package dev.tessera.model.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The Hugging Face cache layout, shared with {@code huggingface_hub} and other tools:
 * <pre>
 * {cache}/models--owner--name/blobs/{etag}                    file contents, named by hash
 * {cache}/models--owner--name/snapshots/{commit}/{file}       symlink to ../../blobs/{etag}
 * {cache}/models--owner--name/refs/{revision}                 the commit a branch or tag points at
 * {cache}/.locks/models--owner--name/{etag}.lock              held while a blob is written
 * </pre>
 */
public final class HubCache {
    private final Path root;

    public HubCache(Path root) { this.root = root; }

    public Path repoDir(RepoRef ref) { return root.resolve(ref.cacheFolderName()); }

    public Path blob(RepoRef ref, String etag) { return repoDir(ref).resolve("blobs").resolve(etag); }

    public Path lockFile(RepoRef ref, String etag) {
        return root.resolve(".locks").resolve(ref.cacheFolderName()).resolve(etag + ".lock");
    }

    public Path snapshotDir(RepoRef ref, String commit) { return repoDir(ref).resolve("snapshots").resolve(commit); }

    public Path snapshotFile(RepoRef ref, String commit, String file) { return snapshotDir(ref, commit).resolve(file); }

    /** The commit {@code ref.revision()} resolves to in the cache: itself if a commit hash, else refs/{revision}. */
    public Optional<String> commitOf(RepoRef ref) {
        if (isCommitHash(ref.revision()) && Files.isDirectory(snapshotDir(ref, ref.revision()))) return Optional.of(ref.revision());
        Path refFile = repoDir(ref).resolve("refs").resolve(ref.revision());
        try {
            return Files.isRegularFile(refFile) ? Optional.of(Files.readString(refFile, StandardCharsets.UTF_8).trim()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records that {@code revision} points at {@code commit} (nothing to record when they are equal). */
    public void writeRef(RepoRef ref, String commit) throws IOException {
        if (ref.revision().equals(commit)) return;
        Path refFile = repoDir(ref).resolve("refs").resolve(ref.revision());
        Files.createDirectories(refFile.getParent());
        Path tmp = refFile.resolveSibling(refFile.getFileName() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, refFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Points snapshots/{commit}/{file} at blobs/{etag} with a relative symlink; where the file
     * system has no symlinks, copies the blob instead (as huggingface_hub does).
     */
    public Path link(RepoRef ref, String commit, String file, String etag) throws IOException {
        Path pointer = snapshotFile(ref, commit, file);
        Path blob = blob(ref, etag);
        Files.createDirectories(pointer.getParent());
        if (Files.isSymbolicLink(pointer) || Files.exists(pointer)) {
            if (Files.isSymbolicLink(pointer) && pointer.getParent().resolve(Files.readSymbolicLink(pointer)).normalize().equals(blob.normalize()))
                return pointer;
            Files.delete(pointer);
        }
        try {
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
        }
        return pointer;
    }

    static boolean isCommitHash(String s) {
        return s.length() == 40 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
