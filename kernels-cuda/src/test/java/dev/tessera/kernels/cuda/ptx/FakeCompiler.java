package dev.tessera.kernels.cuda.ptx;

import java.util.ArrayList;
import java.util.List;

/** A compiler for tests: returns PTX naming the sources' hash and target, or fails on demand; counts its calls. */
final class FakeCompiler implements PtxCompiler {
    final List<String> calls = new ArrayList<>();
    private final String failure;

    FakeCompiler() { this(null); }

    FakeCompiler(String failure) { this.failure = failure; }

    static String ptxFor(KernelSources s, PtxTarget t) {
        return "// fake\n.version 9.0\n.target " + t.sm() + "\n// " + s.sha256() + "\n";
    }

    @Override
    public String describe() { return failure == null ? "fake" : "failing fake"; }

    @Override
    public String compile(KernelSources sources, PtxTarget target) {
        calls.add(target.arch());
        if (failure != null) throw new PtxCompileException(failure);
        return ptxFor(sources, target);
    }
}
