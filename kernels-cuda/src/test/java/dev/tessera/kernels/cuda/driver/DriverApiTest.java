package dev.tessera.kernels.cuda.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.cuda.CudaToolkit;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Checks every binding's symbol and descriptor against the prototypes of the installed {@code cuda.h}. */
class DriverApiTest {
    private static final List<String> HANDLES = List.of("CUcontext", "CUmodule", "CUfunction", "CUstream", "CUevent",
            "CUgraph", "CUgraphExec", "CUgraphNode");
    private static final List<String> INTS = List.of("int", "unsigned int", "CUdevice", "CUdevice_attribute",
            "CUfunction_attribute", "CUstreamCaptureMode", "CUresult");
    private static final List<String> LONGS = List.of("CUdeviceptr", "size_t", "unsigned long long");

    @Test
    void symbolsAndDescriptorsMatchCudaHeader() throws Exception {
        String h = Files.readString(CudaToolkit.cudaHeader());
        for (DriverApi.Fn fn : DriverApi.ALL) {
            String s = fn.symbol();
            // The API name whose prototype declares this symbol: a macro may map it to the exported one.
            Matcher macro = Pattern.compile("#define\\s+(\\w+)\\s+(?:__CUDA_API_PTSZ\\()?" + s + "\\)?\\s").matcher(h);
            String api = macro.find() ? macro.group(1) : s;
            Matcher newer = Pattern.compile("#define\\s+" + api + "\\s+(?:__CUDA_API_PTDS\\(|__CUDA_API_PTSZ\\()?(\\w+)").matcher(h);
            if (newer.find()) assertEquals(newer.group(1), s, api + " is exported as " + newer.group(1));
            Matcher proto = Pattern.compile("CUresult CUDAAPI " + api + "\\(([^;]*)\\);").matcher(h);
            if (!proto.find()) fail("no prototype for " + api + " (" + s + ") in cuda.h");
            List<MemoryLayout> expected = new ArrayList<>();
            String params = proto.group(1).replaceAll("\\s+", " ").strip();
            if (!params.equals("void")) {
                for (String p : params.split(",")) expected.add(layoutOf(p.strip(), s));
            }
            List<MemoryLayout> actual = fn.descriptor().argumentLayouts();
            assertEquals(expected.size(), actual.size(), s + " arity");
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i).withoutName(), s + " parameter " + i + " of (" + params + ")");
            }
            assertEquals(ValueLayout.JAVA_INT, fn.descriptor().returnLayout().orElseThrow(), s + " returns CUresult");
        }
    }

    private static MemoryLayout layoutOf(String param, String fn) {
        if (param.contains("*")) return ValueLayout.ADDRESS;
        String type = param.replaceFirst("^const ", "").replaceFirst("\\s+\\w+$", "");
        if (HANDLES.contains(type)) return ValueLayout.ADDRESS;
        if (INTS.contains(type)) return ValueLayout.JAVA_INT;
        if (LONGS.contains(type)) return ValueLayout.JAVA_LONG;
        if (type.equals("unsigned char")) return ValueLayout.JAVA_BYTE;
        throw new AssertionError(fn + ": parameter type '" + type + "' is not mapped by this test");
    }

    @Test
    void graphExecUpdateResultInfoMatchesTheCLayout() throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        assumeTrue(Files.isExecutable(gcc), "gcc not found: skipping the C layout check");
        Path header = CudaToolkit.cudaHeader();
        Path dir = Files.createTempDirectory("tessera-layout");
        Path c = Files.writeString(dir.resolve("layout.c"), """
                #include <cuda.h>
                #include <stddef.h>
                #include <stdio.h>
                int main(void) {
                    printf("%zu %zu %zu %zu\\n", sizeof(CUgraphExecUpdateResultInfo),
                           offsetof(CUgraphExecUpdateResultInfo, result),
                           offsetof(CUgraphExecUpdateResultInfo, errorNode),
                           offsetof(CUgraphExecUpdateResultInfo, errorFromNode));
                    return 0;
                }
                """);
        Path exe = dir.resolve("layout");
        Process p = new ProcessBuilder(gcc.toString(), "-I", header.getParent().toString(), "-o", exe.toString(), c.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, run.waitFor());
        var l = DriverApi.GRAPH_EXEC_UPDATE_RESULT_INFO;
        String java = l.byteSize() + " " + l.byteOffset(MemoryLayout.PathElement.groupElement("result")) + " "
                + l.byteOffset(MemoryLayout.PathElement.groupElement("errorNode")) + " "
                + l.byteOffset(MemoryLayout.PathElement.groupElement("errorFromNode"));
        assertEquals(out, java);
    }

    @Test
    void everyBindingHasADistinctSymbol() {
        assertEquals(DriverApi.ALL.size(), DriverApi.ALL.stream().map(DriverApi.Fn::symbol).distinct().count());
        for (DriverApi.Fn f : DriverApi.ALL) {
            assertNotNull(f.descriptor());
            assertFalse(f.symbol().isBlank());
        }
    }
}
