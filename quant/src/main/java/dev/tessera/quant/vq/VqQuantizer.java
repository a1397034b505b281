package dev.tessera.quant.vq;

/**
 * Offline quantizer of one linear weight matrix into a vector-quantized format. The common entry
 * point for {@code tessera quantize}: weights are row-major {@code rows × cols} (rows = outputs),
 * {@code stats} describe the activations the matrix sees (use {@link CalibrationStats#uniform} for
 * plain MSE), {@code targetBits} is the nominal bits per weight (the stored rate is reported by
 * the format and stays at or below target plus a small header/row overhead).
 */
public interface VqQuantizer {
    EncodedTensor quantize(float[] weights, int rows, int cols, CalibrationStats stats, int targetBits);

    /** Reference decode of an encoded tensor back to row-major floats. */
    float[] dequantize(EncodedTensor tensor);
}
