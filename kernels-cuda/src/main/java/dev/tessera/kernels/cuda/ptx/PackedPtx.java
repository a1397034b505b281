package dev.tessera.kernels.cuda.ptx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * PTX the build packed into the jar: {@code ptx/<arch>.ptx} with {@code ptx/<arch>.sha256}, the
 * hash of the sources it was compiled from.
 */
public record PackedPtx(String sourceSha256, String ptx) {
    public static String ptxName(PtxTarget t) { return "ptx/" + t.arch() + ".ptx"; }

    public static String hashName(PtxTarget t) { return "ptx/" + t.arch() + ".sha256"; }

    /** The packed PTX for {@code target}, if the jar has it. */
    public static Optional<PackedPtx> fromResources(PtxTarget target) {
        Optional<String> hash = read(hashName(target));
        Optional<String> ptx = read(ptxName(target));
        return hash.isPresent() && ptx.isPresent() ? Optional.of(new PackedPtx(hash.get().strip(), ptx.get())) : Optional.empty();
    }

    private static Optional<String> read(String name) {
        try (InputStream in = PackedPtx.class.getResourceAsStream(KernelSources.RESOURCE_ROOT + name)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
