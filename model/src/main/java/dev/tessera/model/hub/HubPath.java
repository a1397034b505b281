package dev.tessera.model.hub;

import java.nio.file.Path;

/**
 * Turns a model argument into a local path: {@code hf://owner/name[@revision][/file]} is fetched
 * into (or found in) the Hugging Face cache; anything else is a plain file path.
 */
public final class HubPath {
    private HubPath() {}

    /** The local path for {@code model}, downloading with the environment's Hub settings if needed. */
    public static Path resolve(String model) {
        return RepoRef.isHubUri(model) ? HubClient.fromEnvironment().pull(RepoRef.parseUri(model)) : Path.of(model);
    }

    /** The local path for {@code model}, fetching hf:// addresses with {@code client}. */
    public static Path resolve(String model, HubClient client) {
        return RepoRef.isHubUri(model) ? client.pull(RepoRef.parseUri(model)) : Path.of(model);
    }
}
