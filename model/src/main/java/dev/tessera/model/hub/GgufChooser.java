package dev.tessera.model.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the GGUF file to fetch from a repository's file list when the user named none, or named
 * only a quantization tag ({@code owner/name:Q8_0}), and expands split files
 * ({@code x-00001-of-00003.gguf}) into all their shards.
 */
public final class GgufChooser {
    /** What llama.cpp picks when a repository offers several quantizations. */
    public static final String DEFAULT_TAG = "Q4_K_M";
    private static final Pattern SPLIT = Pattern.compile("^(.*)-(\\d{5})-of-(\\d{5})\\.gguf$", Pattern.CASE_INSENSITIVE);

    private GgufChooser() {}

    /** The file {@code selector} (null or a tag) picks among {@code files} of {@code repo}. */
    public static String choose(String repo, List<String> files, String selector) {
        List<String> ggufs = new ArrayList<>();
        for (String f : files) {
            String base = baseName(f).toLowerCase(Locale.ROOT);
            if (!base.endsWith(".gguf") || base.startsWith("mmproj")) continue;
            Matcher m = SPLIT.matcher(f);
            if (m.matches() && Integer.parseInt(m.group(2)) != 1) continue; // a split model is named by its first shard
            ggufs.add(f);
        }
        if (ggufs.isEmpty()) throw new HubException(repo + ": the repository has no GGUF files; name a file with " + repo + ":FILE");
        if (selector == null) {
            if (ggufs.size() == 1) return ggufs.getFirst();
            List<String> byDefault = withTag(ggufs, DEFAULT_TAG);
            if (byDefault.size() == 1) return byDefault.getFirst();
            throw new HubException(repo + ": " + ggufs.size() + " GGUF files, pick one with " + repo
                    + ":FILE or :TAG (e.g. :Q8_0): " + String.join(", ", ggufs));
        }
        List<String> tagged = withTag(ggufs, selector);
        if (tagged.size() == 1) return tagged.getFirst();
        if (tagged.isEmpty())
            throw new HubException(repo + ": no GGUF file with quantization '" + selector + "'; available: " + String.join(", ", ggufs));
        throw new HubException(repo + ": several GGUF files match '" + selector + "': " + String.join(", ", tagged));
    }

    /** All shards of a split GGUF file named by any of its shards, in order; else just {@code file}. */
    public static List<String> shards(String file) {
        Matcher m = SPLIT.matcher(file);
        if (!m.matches()) return List.of(file);
        int n = Integer.parseInt(m.group(3));
        if (n < 1) return List.of(file);
        List<String> out = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) out.add(String.format(Locale.ROOT, "%s-%05d-of-%s.gguf", m.group(1), i, m.group(3)));
        return out;
    }

    private static List<String> withTag(List<String> files, String tag) {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            String base = baseName(f);
            String stem = base.substring(0, base.length() - ".gguf".length());
            Matcher m = SPLIT.matcher(base);
            if (m.matches()) stem = m.group(1);
            for (String token : stem.split("[-.]")) {
                if (token.equalsIgnoreCase(tag)) {
                    out.add(f);
                    break;
                }
            }
        }
        return out;
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
