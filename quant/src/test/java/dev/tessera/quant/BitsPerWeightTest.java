package dev.tessera.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.tensor.Shape;
import dev.tessera.tensor.Tensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BitsPerWeightTest {

    /** The bpw column of quant-formats.md section 2. */
    @ParameterizedTest
    @CsvSource({"F32, 32", "F16, 16", "BF16, 16", "Q4_0, 4.5", "Q4_1, 5.0", "Q5_0, 5.5", "Q5_1, 6.0", "Q8_0, 8.5",
            "Q8_1, 9.0", "Q2_K, 2.625", "Q3_K, 3.4375", "Q4_K, 4.5", "Q5_K, 5.5", "Q6_K, 6.5625", "Q8_K, 9.125"})
    void perType(TensorType type, double bpw) {
        assertEquals(bpw, BitsPerWeight.of(type));
    }

    @Test
    void averageWeighsByElements() {
        Tensor q4 = tensor(TensorType.Q4_K, 3 * 256);
        Tensor q6 = tensor(TensorType.Q6_K, 256);
        assertEquals((3 * 144 + 210) * 8.0 / 1024, BitsPerWeight.average(List.of(q4, q6)));
        assertThrows(IllegalArgumentException.class, () -> BitsPerWeight.average(List.of()));
    }

    private static Tensor tensor(TensorType type, int n) {
        return new Tensor("t", type, Shape.of(n), MemorySegment.ofArray(new byte[(int) type.bytesFor(n)]));
    }
}
