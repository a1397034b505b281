package dev.tessera.model.io;

import dev.tessera.model.FormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Maps a whole file read-only in a shared arena and hands it to a parser, which owns the arena on
 * success; on any failure the mapping is released and I/O problems become one-line
 * {@link FormatException}s naming the file.
 */
public final class MappedFile {
    /** Builds the reader's object from the mapping; it keeps {@code arena} to close later. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path path, Arena arena, MemorySegment mapping);
    }

    private MappedFile() {}

    /** @param expected what the file should be, for the directory message (e.g. "a GGUF file") */
    public static <T> T open(Path path, String expected, Parser<T> parser) {
        if (Files.isDirectory(path)) throw new FormatException(path + ": is a directory, expected " + expected);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parser.parse(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FormatException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new FormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
