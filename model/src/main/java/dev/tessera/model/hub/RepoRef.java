package dev.tessera.model.hub;

/**
 * What to fetch: a model repository {@code owner/name}, a revision (branch, tag or commit), and a
 * file in it, or a selector when the file is to be chosen from the repository's GGUF files
 * (null: pick the only one, else the usual default quantization; otherwise a quantization tag
 * such as {@code Q8_0} or a file name).
 */
public record RepoRef(String repo, String revision, String file) {
    public static final String DEFAULT_REVISION = "main";

    public RepoRef {
        checkRepo(repo);
        if (revision == null || revision.isBlank()) revision = DEFAULT_REVISION;
        if (file != null && file.isBlank()) file = null;
        if (file != null && (file.startsWith("/") || file.contains("..") || file.contains("\\")))
            throw new IllegalArgumentException("file '" + file + "': expected a relative path inside the repository");
    }

    /** {@code owner/name[@revision][:FILE]}, as {@code tessera pull} takes it. */
    public static RepoRef parsePullSpec(String spec) {
        int colon = spec.indexOf(':');
        String head = colon < 0 ? spec : spec.substring(0, colon);
        String file = colon < 0 ? null : spec.substring(colon + 1);
        int at = head.indexOf('@');
        String repo = at < 0 ? head : head.substring(0, at);
        String rev = at < 0 ? null : head.substring(at + 1);
        return new RepoRef(repo, rev, file);
    }

    /** Whether {@code s} is an {@code hf://} model address. */
    public static boolean isHubUri(String s) {
        return s.startsWith("hf://");
    }

    /** {@code hf://owner/name[@revision][/path/to/file]}. */
    public static RepoRef parseUri(String uri) {
        if (!isHubUri(uri)) throw new IllegalArgumentException("'" + uri + "': expected hf://owner/name[/file]");
        String rest = uri.substring("hf://".length());
        String[] parts = rest.split("/", 3);
        if (parts.length < 2) throw new IllegalArgumentException("'" + uri + "': expected hf://owner/name[/file]");
        String name = parts[1];
        String rev = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            rev = name.substring(at + 1);
            name = name.substring(0, at);
        }
        return new RepoRef(parts[0] + "/" + name, rev, parts.length == 3 ? parts[2] : null);
    }

    /** Whether {@link #file} names a path in the repository rather than a quantization tag. */
    public boolean namesFile() {
        return file != null && file.contains(".");
    }

    /** The repository's folder name in the Hugging Face cache: {@code models--owner--name}. */
    public String cacheFolderName() {
        return "models--" + repo.replace("/", "--");
    }

    @Override
    public String toString() {
        return "hf://" + repo + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision) + (file == null ? "" : "/" + file);
    }

    private static void checkRepo(String repo) {
        if (repo == null || !repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*") || repo.contains(".."))
            throw new IllegalArgumentException("repository '" + repo + "': expected owner/name");
    }
}
