package dev.tessera.cli;

import dev.tessera.model.hub.DownloadProgress;
import dev.tessera.model.hub.HubClient;
import dev.tessera.model.hub.HubConfig;
import dev.tessera.model.hub.RepoRef;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tessera pull REPO[:FILE]}: downloads into the Hugging Face cache and prints the file's path. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face Hub into the Hugging Face cache and print its path.",
                "FILE may be a file in the repository or a quantization tag (e.g. Q8_0); without it the repository's GGUF file "
                        + "is picked (Q4_K_M when there are several). Honours HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE."})
public final class PullCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPO[:FILE]", description = "owner/name[:FILE|:TAG], or hf://owner/name[/FILE]")
    String target;

    @Option(names = "--revision", paramLabel = "REV", description = "branch, tag or commit (default: main)")
    String revision;

    @Option(names = "--offline", description = "use only the cache, never the network (also HF_HUB_OFFLINE=1)")
    boolean offline;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "the Hugging Face hub cache (default: $HF_HUB_CACHE or $HF_HOME/hub)")
    Path cacheDir;

    @Option(names = "--endpoint", paramLabel = "URL", description = "the Hub's address (default: $HF_ENDPOINT or https://huggingface.co)")
    String endpoint;

    @Override
    public Integer call() {
        RepoRef ref = RepoRef.isHubUri(target) ? RepoRef.parseUri(target) : RepoRef.parsePullSpec(target);
        if (revision != null) ref = new RepoRef(ref.repo(), revision, ref.file());
        HubConfig cfg = HubConfig.fromEnvironment();
        if (offline) cfg = cfg.withOffline(true);
        if (cacheDir != null) cfg = cfg.withCacheDir(cacheDir);
        if (endpoint != null) cfg = cfg.withEndpoint(URI.create(endpoint));
        var err = spec.commandLine().getErr();
        Path p = new HubClient(cfg, DownloadProgress.forConsole(), w -> err.println("warning: " + w)).pull(ref);
        spec.commandLine().getOut().println(p);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
