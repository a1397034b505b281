package dev.tessera.model.hub;

import java.net.URI;
import java.util.Locale;

/**
 * What a HEAD of {@code /resolve/} says about a file: the commit the revision resolved to
 * ({@code X-Repo-Commit}), its identity ({@code X-Linked-Etag}, else {@code ETag}; for files in
 * Git LFS this is the content's sha256), its size ({@code X-Linked-Size}, else
 * {@code Content-Length}; -1 when unknown) and where to GET it (the CDN address of a redirect).
 */
record FileMetadata(String commit, String etag, long size, URI location) {
    /** The sha256 the content must have, when the ETag is one; else null. */
    String sha256() {
        return etag != null && etag.matches("[0-9a-f]{64}") ? etag : null;
    }

    /** An ETag header value without the weak marker and quotes, lower-cased; null stays null. */
    static String normalizeEtag(String raw) {
        if (raw == null) return null;
        String e = raw.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        e = e.toLowerCase(Locale.ROOT);
        // a blob's file name comes from it, so anything but a plain token is ignored
        return e.matches("[0-9a-z_-]{1,128}") ? e : null;
    }
}
