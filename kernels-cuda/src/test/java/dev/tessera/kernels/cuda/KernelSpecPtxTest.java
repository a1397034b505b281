package dev.tessera.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessera.kernels.cuda.driver.LaunchArgs;
import dev.tessera.kernels.cuda.ptx.PackedPtx;
import dev.tessera.kernels.cuda.ptx.PtxTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java side's view of every kernel (name and argument types) against the entries nvcc
 * compiled: a renamed kernel or a changed parameter list fails here, without a GPU.
 */
class KernelSpecPtxTest {
    @Test
    void everySpecMatchesACompiledEntryAndEveryEntryIsUsed() {
        for (PtxTarget t : PtxTarget.ALL) {
            Optional<PackedPtx> packed = PackedPtx.fromResources(t);
            assumeTrue(packed.isPresent(), "no packed PTX (the build had no nvcc)");
            Map<String, List<String>> entries = entries(packed.get().ptx());
            Map<String, List<String>> specs = new TreeMap<>();
            for (KernelSpec s : KernelSpec.all()) specs.put(s.name(), s.args().stream().map(LaunchArgs.ArgType::ptxType).toList());
            assertEquals(specs, entries, t.arch());
        }
    }

    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new TreeMap<>();
        Matcher m = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)").matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = Pattern.compile("\\.param (\\.\\w+) ").matcher(m.group(2));
            while (p.find()) types.add(p.group(1));
            out.put(m.group(1), types);
        }
        return out;
    }
}
