package dev.tessera.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE pre-tokenizers, one per family llama.cpp's {@code tokenizer.ggml.pre} names. Each
 * is a chain of regexes: every regex splits each piece left by the previous one into its matches
 * and the gaps between them. Regexes with {@code \p{..}} run on the category-collapsed text (see
 * {@link UnicodeClass}); the others run on the text with non-ASCII whitespace turned into U+000B,
 * as llama.cpp does.
 */
public enum PreTokenizer {
    DEFAULT(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            Regexes.GPT2,
            "\\p{N}+",
            "[0-9][0-9][0-9]"),
    LLAMA3(Regexes.LLAMA3),
    QWEN2("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GPT2(Regexes.GPT2),
    DEEPSEEK_LLM(
            "[\\r\\n]",
            "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\\x{10400}-\\x{1044f}\\x{104b0}-\\x{104d3}\\x{104d8}-\\x{104fb}\\x{10c80}-\\x{10cb2}\\x{10cc0}-\\x{10cf2}\\x{118a0}-\\x{118df}\\x{1e900}-\\x{1e943}]+",
            "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+",
            "\\s+\\z",
            "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+",
            "\\p{N}+"),
    DEEPSEEK_CODER(
            "[\\r\\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+",
            "\\p{N}"),
    DEEPSEEK3(
            "\\p{N}{1,3}",
            "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    FALCON(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+",
            Regexes.GPT2,
            "[0-9][0-9][0-9]"),
    /** starcoder, refact, command-r, smollm, codeshell, exaone, minerva: single digits, then GPT-2. */
    STARCODER("\\p{N}", Regexes.GPT2),
    /** Mistral Tekken: case-aware letter runs (the lookaheads stand in for the upper/lower-case classes). */
    TEKKEN("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    BLOOM(" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+"),
    VIKING(" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+", "\\p{N}"),
    CHAMELEON(
            "<sentinel:[0-9]+>",
            "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
            "([\\t\\n]|    |  )",
            "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]",
            Regexes.GPT2);

    private final Pattern[] patterns;
    private final boolean[] collapsed;

    PreTokenizer(String... regexes) {
        patterns = new Pattern[regexes.length];
        collapsed = new boolean[regexes.length];
        for (int i = 0; i < regexes.length; i++) {
            collapsed[i] = regexes[i].contains("\\p{");
            patterns[i] = Pattern.compile(collapsed[i] ? UnicodeClass.collapseRegex(regexes[i]) : regexes[i]);
        }
    }

    /** The family for a {@code tokenizer.ggml.pre} value, as llama.cpp groups them; empty means DEFAULT. */
    public static PreTokenizer forName(String pre) {
        return switch (pre.toLowerCase(Locale.ROOT)) {
            case "", "default" -> DEFAULT;
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe" -> LLAMA3;
            case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez" -> QWEN2;
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                 "roberta-bpe", "mpt", "olmo", "jais" -> GPT2;
            case "deepseek-llm" -> DEEPSEEK_LLM;
            case "deepseek-coder" -> DEEPSEEK_CODER;
            case "deepseek-v3" -> DEEPSEEK3;
            case "falcon" -> FALCON;
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" -> STARCODER;
            case "poro-chat", "bloom", "gpt3-finnish" -> BLOOM;
            case "viking" -> VIKING;
            case "tekken" -> TEKKEN;
            case "chameleon" -> CHAMELEON;
            default -> throw new IllegalArgumentException("tokenizer.ggml.pre: unknown pre-tokenizer '" + pre + "'");
        };
    }

    /** Splits {@code text} into words; concatenated they give back {@code text}. */
    public List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        IntList pieces = new IntList();
        pieces.add(cps.length);
        String collapsedText = null;
        String rawText = null;
        int[] rawCharToCp = null;
        int[] rawCpToChar = null;
        for (int r = 0; r < patterns.length; r++) {
            String subject;
            int[] charToCp = null, cpToChar = null;
            if (collapsed[r]) {
                if (collapsedText == null) {
                    char[] c = new char[cps.length];
                    for (int i = 0; i < cps.length; i++) c[i] = UnicodeClass.collapse(cps[i]);
                    collapsedText = new String(c);
                }
                subject = collapsedText;
            } else {
                if (rawText == null) {
                    StringBuilder sb = new StringBuilder(cps.length);
                    rawCpToChar = new int[cps.length + 1];
                    for (int i = 0; i < cps.length; i++) {
                        rawCpToChar[i] = sb.length();
                        int cp = cps[i] > 0x7F && UnicodeClass.isWhitespace(cps[i]) ? 0x0B : cps[i];
                        sb.appendCodePoint(cp);
                    }
                    rawCpToChar[cps.length] = sb.length();
                    rawCharToCp = new int[sb.length() + 1];
                    for (int i = 0; i <= cps.length; i++) rawCharToCp[rawCpToChar[i]] = i;
                    rawText = sb.toString();
                }
                subject = rawText;
                charToCp = rawCharToCp;
                cpToChar = rawCpToChar;
            }
            Matcher m = patterns[r].matcher(subject);
            IntList next = new IntList();
            int start = 0;
            for (int p = 0; p < pieces.size(); p++) {
                int len = pieces.get(p);
                int end = start + len;
                m.region(cpToChar == null ? start : cpToChar[start], cpToChar == null ? end : cpToChar[end]);
                int pos = start;
                while (m.find()) {
                    int ms = charToCp == null ? m.start() : charToCp[m.start()];
                    int me = charToCp == null ? m.end() : charToCp[m.end()];
                    if (me == ms) continue;
                    if (ms > pos) next.add(ms - pos);
                    next.add(me - ms);
                    pos = me;
                }
                if (pos < end) next.add(end - pos);
                start = end;
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>(pieces.size());
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int len = pieces.get(p);
            words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }

    /** Regexes shared by several families. */
    private static final class Regexes {
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    }
}
