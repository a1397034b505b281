package dev.tessera.kernels.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs the GPU tests (and the emulated backend test as a control) without Maven, for a GPU machine
 * that has only a Java runtime: prints one line per test (with skip reasons) and exits non-zero
 * on any failure. See README.md for packaging.
 */
public final class GpuTestMain {
    private GpuTestMain() {}

    public static void main(String[] args) {
        List<Class<?>> classes = List.of(CudaDevicesTest.class, CudaBackendGpuTest.class, CudaModelGpuTest.class,
                EmulatedCudaBackendTest.class, MiniLlamaReferenceTest.class);
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(c -> selectClass(c)).toList()).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier t, String reason) {
                System.out.println("SKIP " + t.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier t, TestExecutionResult r) {
                if (!t.isTest()) return;
                System.out.println(r.getStatus() + " " + t.getUniqueIdObject().getSegments().get(1).getValue()
                        .replace("dev.tessera.kernels.cuda.", "") + " " + t.getDisplayName()
                        + r.getThrowable().map(e -> ": " + e).orElse(""));
            }
        };
        launcher.execute(request, summary, lines);
        PrintWriter out = new PrintWriter(System.out, true);
        summary.getSummary().printFailuresTo(out, 30);
        summary.getSummary().printTo(out);
        System.exit(summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1);
    }
}
