package dev.tessera.kernels.cuda.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.cuda.CudaToolkit;
import dev.tessera.kernels.cuda.ptx.PackedPtx;
import dev.tessera.kernels.cuda.ptx.PtxTarget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PtxVersionTest {
    @Test
    void readsAndRewritesTheDeclaredVersion() {
        String ptx = "//\n// Generated\n\n.version 9.0\n.target sm_90\n.address_size 64\n";
        assertEquals(90, PtxVersion.declared(ptx));
        String lowered = PtxVersion.withVersion(ptx, 84);
        assertEquals(84, PtxVersion.declared(lowered));
        assertEquals(ptx.replace(".version 9.0", ".version 8.4"), lowered);
        assertThrows(IllegalArgumentException.class, () -> PtxVersion.declared(".target sm_90\n"));
    }

    @Test
    void driverVersionsMapToTheirPtxIsa() {
        // From the PTX ISA release history: CUDA 12.0 -> 8.0, 12.4 -> 8.4, 12.6 -> 8.5, 12.8 -> 8.7, 12.9 -> 8.8, 13.0 -> 9.0.
        assertEquals(80, PtxVersion.maxIsaForDriver(12000));
        assertEquals(84, PtxVersion.maxIsaForDriver(12040));
        assertEquals(85, PtxVersion.maxIsaForDriver(12060));
        assertEquals(87, PtxVersion.maxIsaForDriver(12080));
        assertEquals(88, PtxVersion.maxIsaForDriver(12090));
        assertEquals(90, PtxVersion.maxIsaForDriver(13000));
        assertThrows(IllegalArgumentException.class, () -> PtxVersion.maxIsaForDriver(11080));
    }

    /** The packed PTX still assembles when declared as ISA 8.0 (what a CUDA 12.0 driver accepts). */
    @Test
    void packedPtxAssemblesAtIsa80() throws Exception {
        Path ptxas = CudaToolkit.tool("ptxas");
        Path dir = Files.createTempDirectory("tessera-ptxas");
        for (PtxTarget t : PtxTarget.ALL) {
            Optional<PackedPtx> p = PackedPtx.fromResources(t);
            assumeTrue(p.isPresent(), "no packed PTX (the build had no nvcc)");
            Path in = Files.writeString(dir.resolve(t.arch() + ".ptx"), PtxVersion.withVersion(p.get().ptx(), 80));
            Process proc = new ProcessBuilder(ptxas.toString(), "-arch=" + t.sm(), "-o", dir.resolve(t.sm() + ".cubin").toString(),
                    in.toString()).redirectErrorStream(true).start();
            String log = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, proc.waitFor(), t.arch() + ": " + log);
        }
    }
}
