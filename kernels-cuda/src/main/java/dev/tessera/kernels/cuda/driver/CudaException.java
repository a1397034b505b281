package dev.tessera.kernels.cuda.driver;

/** A CUDA driver call that returned an error: carries the {@code CUresult} code and its name. */
public final class CudaException extends RuntimeException {
    private final int code;
    private final String errorName;

    public CudaException(String call, int code, String errorName) {
        super(call + " failed: " + errorName + " (" + code + ")");
        this.code = code;
        this.errorName = errorName;
    }

    public CudaException(String call, int code, String errorName, String detail) {
        super(call + " failed: " + errorName + " (" + code + "): " + detail);
        this.code = code;
        this.errorName = errorName;
    }

    /** The raw {@code CUresult}. */
    public int code() { return code; }

    /** The {@code CUresult} name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String errorName() { return errorName; }
}
