package dev.tessera.kernels.cuda.ptx;

/** A compiler rejected the kernel sources or could not run; the message carries its log. */
public final class PtxCompileException extends RuntimeException {
    public PtxCompileException(String message) {
        super(message);
    }

    public PtxCompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
