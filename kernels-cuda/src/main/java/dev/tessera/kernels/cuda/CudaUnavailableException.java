package dev.tessera.kernels.cuda;

/**
 * CUDA was requested but cannot be used; the message is the one line a user sees:
 * {@code CUDA not available: <reason>}. An {@link IllegalArgumentException} because it answers a
 * request ({@code --device cuda}) that this machine cannot satisfy, which the CLI reports as bad input.
 */
public final class CudaUnavailableException extends IllegalArgumentException {
    public CudaUnavailableException(String reason) {
        super("CUDA not available: " + reason);
    }
}
