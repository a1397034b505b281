package dev.tessera.kernels.cuda.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessera.kernels.cuda.CudaToolkit;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CudaErrorsTest {
    @Test
    void everyNamedCodeMatchesCudaHeader() throws Exception {
        String h = Files.readString(CudaToolkit.cudaHeader());
        String en = h.substring(h.indexOf("typedef enum cudaError_enum"), h.indexOf("} CUresult;"));
        Map<Integer, String> header = new HashMap<>();
        Matcher m = Pattern.compile("(CUDA_(?:SUCCESS|ERROR_[A-Z0-9_]+))\\s*=\\s*(\\d+)").matcher(en);
        while (m.find()) header.put(Integer.parseInt(m.group(2)), m.group(1));
        assertTrue(header.size() > 50, "parsed " + header.size() + " codes from cuda.h");
        for (var e : CudaErrors.table().entrySet()) {
            assertEquals(header.get(e.getKey()), e.getValue(), "code " + e.getKey());
        }
    }

    @Test
    void unknownCodesGetANumberedName() {
        assertEquals("CUDA_ERROR_12345", CudaErrors.name(12345));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaErrors.name(100));
    }

    @Test
    void exceptionCarriesCallCodeAndName() {
        CudaException e = new CudaException("cuMemAlloc(64 bytes)", 2, CudaErrors.name(2));
        assertEquals(2, e.code());
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.errorName());
        assertEquals("cuMemAlloc(64 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.getMessage());
    }
}
