package dev.tessera.quant.vqfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tessera.quant.vq.EncodedTensor;
import dev.tessera.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncodedTensorBytesTest {
    @Test
    void roundTripsEveryFieldKind() {
        EncodedTensor t = new EncodedTensor(TensorType.PVQ, 3, 32,
                Map.of("a.int", 7, "b.long", 1L << 40, "c.ints", new int[] {1, -2, 3}, "d.floats", new float[] {0.5f, -1e-3f}),
                new byte[] {1, 2, 3, 4, 5});
        byte[] blob = EncodedTensorBytes.encode(t);
        EncodedTensor back = EncodedTensorBytes.decode("w", MemorySegment.ofArray(blob));
        assertEquals(t.type(), back.type());
        assertEquals(3, back.rows());
        assertEquals(32, back.cols());
        assertEquals(7, back.intValue("a.int"));
        assertEquals(1L << 40, back.longValue("b.long"));
        assertArrayEquals(new int[] {1, -2, 3}, back.ints("c.ints"));
        assertArrayEquals(new float[] {0.5f, -1e-3f}, back.floats("d.floats"));
        assertArrayEquals(t.data(), back.data());
    }

    @Test
    void refusesTruncatedBlobs() {
        EncodedTensor t = new EncodedTensor(TensorType.GLVQ, 1, 8, Map.of("x", 1), new byte[8]);
        byte[] blob = EncodedTensorBytes.encode(t);
        var e = assertThrows(IllegalArgumentException.class,
                () -> EncodedTensorBytes.decode("blk.0.attn_q.weight", MemorySegment.ofArray(Arrays.copyOf(blob, blob.length - 3))));
        assertEquals("tensor blk.0.attn_q.weight: payload of 8 bytes, 5 stored", e.getMessage());
    }
}
