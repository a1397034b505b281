package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaDevicesTest {
    @Test
    void missingDriverLibraryIsReportedNotThrown() {
        CudaDevices.Probe p = CudaDevices.probe("/nonexistent/libcuda.so.1");
        assertFalse(p.available());
        assertEquals("/nonexistent/libcuda.so.1 not found (no NVIDIA driver installed)", p.reason());
        assertTrue(p.devices().isEmpty());
        assertEquals("-", p.driverVersionText());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> p.require(0));
        assertEquals("CUDA not available: /nonexistent/libcuda.so.1 not found (no NVIDIA driver installed)", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of("CUDA: not available: /nonexistent/libcuda.so.1 not found (no NVIDIA driver installed)"), p.summary());
    }

    @Test
    void aLibraryWithoutTheDriverApiIsRejectedByName() {
        CudaDevices.Probe p = CudaDevices.probe("libc.so.6");
        assertFalse(p.available());
        assertEquals("libc.so.6 lacks cuInit (driver too old; CUDA 12.0 or newer is needed)", p.reason());
    }

    @Test
    void requestingCudaWithoutADeviceFailsWithOneLine() {
        CudaDevices.Probe p = CudaDevices.probe();
        assumeFalse(p.available(), "a CUDA device is available here; the no-device path is not reachable");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaBackend.open(0));
        assertTrue(e.getMessage().startsWith("CUDA not available: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void deviceRequirementsAreChecked() {
        CudaDevices.Device h100 = new CudaDevices.Device(0, "NVIDIA H100", 9, 0, 80L << 30, 132);
        CudaDevices.Device turing = new CudaDevices.Device(1, "Tesla T4", 7, 5, 16L << 30, 40);
        CudaDevices.Probe p = new CudaDevices.Probe(true, "", "libcuda.so.1", 12040, List.of(h100, turing));
        assertEquals("12.4", p.driverVersionText());
        assertEquals(h100, p.require(0));
        assertEquals("CUDA not available: cuda:1 (Tesla T4) has compute capability 7.5, below 8.0",
                assertThrows(CudaUnavailableException.class, () -> p.require(1)).getMessage());
        assertEquals("CUDA not available: no device cuda:2 (2 devices found)",
                assertThrows(CudaUnavailableException.class, () -> p.require(2)).getMessage());
        assertEquals("cuda:0  NVIDIA H100  sm_90  80.0 GiB  132 SMs", h100.describe());
        assertTrue(turing.describe().endsWith("(unsupported: compute capability below 8.0)"));
        assertEquals(List.of("CUDA: driver 12.4 (libcuda.so.1)", "  " + h100.describe(), "  " + turing.describe()), p.summary());
    }
}
