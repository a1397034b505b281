/**
 * Scalar reference codecs: the ground truth every fast kernel is tested against.
 *
 * <ul>
 *   <li>{@link dev.tessera.quant.Dequantizer}: bytes of any supported type to floats,
 *       bit-identical to ggml's {@code dequantize_row_*}.</li>
 *   <li>{@link dev.tessera.quant.Quantizer}: floats to bytes, identical to ggml's
 *       {@code quantize_*} (llama-quantize), with or without an importance matrix.</li>
 *   <li>{@link dev.tessera.quant.ReferenceDot}: the integer dot product of a quantized weight row
 *       with a Q8_0/Q8_1/Q8_K activation row, as ggml's CPU matmul computes it.</li>
 *   <li>{@link dev.tessera.quant.BitsPerWeight}: storage cost per weight.</li>
 * </ul>
 *
 * Supported types: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K,
 * Q6_K, Q8_K, and Tessera's INT8_G*, INT4_G*, INT4A_G*. FP16/BF16 scalar conversions live in
 * {@link dev.tessera.tensor.HalfFloats}. Layouts are documented on each codec class and in
 * quant-formats.md.
 */
package dev.tessera.quant;
