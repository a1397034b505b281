package dev.tessera.model.tokenizer;

import dev.tessera.model.FormatException;
import dev.tessera.model.json.Json;
import dev.tessera.model.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face tokenizer files: {@code tokenizer.json} (BPE model, byte-level or SentencePiece-like
 * with byte fallback), or the slow-tokenizer pair {@code vocab.json} + {@code merges.txt}; added
 * tokens and BOS/EOS flags come from {@code tokenizer_config.json} when it is present.
 */
final class HfVocab {
    private HfVocab() {}

    /** One added token: id, text, whether it is special (control) and its strip flags. */
    private record Added(int id, String content, boolean special, boolean lstrip, boolean rstrip) {}

    static Tokenizer fromTokenizerJson(Path file) {
        Map<String, Object> root = readObject(file);
        Map<String, Object> model = object(root.get("model"), file, "model");
        String type = string(model.get("type"), file, "model.type");
        if (!type.equals("BPE")) throw FormatException.of(file, "model.type", "'" + type + "' is not supported (expected BPE)");
        Map<String, Object> vocabMap = object(model.get("vocab"), file, "model.vocab");
        List<Added> added = new ArrayList<>();
        if (root.get("added_tokens") instanceof List<?> list) {
            for (Object o : list) added.add(added(object(o, file, "added_tokens[]"), -1, file));
        }
        List<String> merges = new ArrayList<>();
        for (Object m : list(model.get("merges"), file, "model.merges")) {
            if (m instanceof String s) merges.add(s);
            else if (m instanceof List<?> pair && pair.size() == 2) merges.add(pair.get(0) + " " + pair.get(1));
            else throw FormatException.of(file, "model.merges", "expected \"a b\" strings or [a, b] pairs");
        }
        Map<String, Object> config = readConfig(file.resolveSibling("tokenizer_config.json"));
        String json = Json.write(root.get("pre_tokenizer")) + Json.write(root.get("decoder"));
        boolean byteLevel = json.contains("\"ByteLevel\"");
        boolean nfc = Json.write(root.get("normalizer")).contains("\"NFC\"");
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
        PreTokenizer pre = byteLevel ? preFromJson(Json.write(root.get("pre_tokenizer"))) : null;
        return build(file, vocabMap, merges, added, config, byteLevel, pre, nfc, ignoreMerges,
                model.get("unk_token") instanceof String u ? u : null);
    }

    /** Qwen2-style {@code vocab.json} + {@code merges.txt} (+ tokenizer_config.json): byte-level, NFC, Qwen2 regex. */
    static Tokenizer fromVocabAndMerges(Path dir) {
        Path vocabFile = dir.resolve("vocab.json");
        Map<String, Object> vocabMap = readObject(vocabFile);
        Path mergesFile = dir.resolve("merges.txt");
        List<String> merges = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(mergesFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("#version") || line.isEmpty()) continue;
                merges.add(line);
            }
        } catch (IOException e) {
            throw new FormatException(mergesFile + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> config = readConfig(dir.resolve("tokenizer_config.json"));
        return build(vocabFile, vocabMap, merges, List.of(), config, true, PreTokenizer.QWEN2, true, false, null);
    }

    private static Tokenizer build(Path file, Map<String, Object> vocabMap, List<String> merges, List<Added> addedList,
                                   Map<String, Object> config, boolean byteLevel, PreTokenizer pre, boolean nfc,
                                   boolean ignoreMerges, String unkText) {
        List<Added> added = new ArrayList<>(addedList);
        if (config.get("added_tokens_decoder") instanceof Map<?, ?> dec) {
            for (Map.Entry<?, ?> e : dec.entrySet()) {
                int id;
                try {
                    id = Integer.parseInt((String) e.getKey());
                } catch (NumberFormatException ex) {
                    throw FormatException.of(file, "tokenizer_config.json added_tokens_decoder", "key '" + e.getKey() + "' is not an id");
                }
                added.add(added(object(e.getValue(), file, "added_tokens_decoder"), id, file));
            }
        }
        int n = 0;
        for (Map.Entry<String, Object> e : vocabMap.entrySet()) n = Math.max(n, toId(e.getValue(), file) + 1);
        for (Added a : added) n = Math.max(n, a.id() + 1);
        String[] texts = new String[n];
        TokenType[] types = new TokenType[n];
        for (Map.Entry<String, Object> e : vocabMap.entrySet()) {
            int id = toId(e.getValue(), file);
            texts[id] = e.getKey();
            types[id] = !byteLevel && isByteToken(e.getKey()) ? TokenType.BYTE : TokenType.NORMAL;
        }
        boolean[] lstrip = new boolean[n], rstrip = new boolean[n];
        for (Added a : added) {
            texts[a.id()] = a.content();
            types[a.id()] = a.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
            lstrip[a.id()] = a.lstrip();
            rstrip[a.id()] = a.rstrip();
        }
        for (int i = 0; i < n; i++) {
            if (texts[i] == null) {
                texts[i] = "[PAD" + i + "]";
                types[i] = TokenType.UNUSED;
            }
        }
        List<String> textList = Arrays.asList(texts);
        Vocabulary v = new Vocabulary(textList, new float[n], types);
        int unk = unkText == null ? -1 : v.id(unkText);
        if (unk >= 0) v.setType(unk, TokenType.UNKNOWN);
        int bos = specialId(v, config.get("bos_token"));
        int eos = specialId(v, config.get("eos_token"));
        boolean addBos = config.get("add_bos_token") instanceof Boolean b ? b : !byteLevel && bos >= 0;
        boolean addEos = config.get("add_eos_token") instanceof Boolean b && b;
        Tokenizer.Style style = byteLevel ? Tokenizer.Style.BYTE_LEVEL : Tokenizer.Style.SPM;
        Tokenizer.Settings s = new Tokenizer.Settings(style, bos, eos, unk, -1, -1, addBos, addEos, nfc);
        MergeTable table = Merges.fromStrings(v, merges, file.toString());
        TextEncoder enc = byteLevel
                ? new BpeTextEncoder(v, table, pre, ignoreMerges)
                : new SpmTextEncoder(true, new CharBpe(v, table, Tokenizers.spmByteTokens(v), unk));
        return new Tokenizer(v, s, enc, lstrip, rstrip);
    }

    /** The pre-tokenizer family a tokenizer.json Split regex belongs to; plain ByteLevel means GPT-2. */
    private static PreTokenizer preFromJson(String preJson) {
        if (preJson.contains("\\\\p{N}{1,3}")) return PreTokenizer.LLAMA3;
        if (preJson.contains("[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}|")) return PreTokenizer.QWEN2;
        return PreTokenizer.GPT2;
    }

    private static boolean isByteToken(String t) {
        return t.length() == 6 && t.startsWith("<0x") && t.endsWith(">");
    }

    private static int specialId(Vocabulary v, Object token) {
        if (token instanceof String s) return v.id(s);
        if (token instanceof Map<?, ?> m && m.get("content") instanceof String s) return v.id(s);
        return -1;
    }

    private static Added added(Map<String, Object> o, int id, Path file) {
        int tokenId = id >= 0 ? id : toId(o.get("id"), file);
        return new Added(tokenId, string(o.get("content"), file, "added token content"),
                Boolean.TRUE.equals(o.get("special")), Boolean.TRUE.equals(o.get("lstrip")), Boolean.TRUE.equals(o.get("rstrip")));
    }

    private static int toId(Object o, Path file) {
        if (o instanceof Long l && l >= 0 && l < Integer.MAX_VALUE) return (int) (long) l;
        throw FormatException.of(file, "token id", "expected a non-negative integer, found " + o);
    }

    private static Map<String, Object> readConfig(Path file) {
        return Files.exists(file) ? readObject(file) : Map.of();
    }

    static Map<String, Object> readObject(Path file) {
        try {
            return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new FormatException(file + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, Path file, String field) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw FormatException.of(file, field, "expected an object");
    }

    private static List<?> list(Object o, Path file, String field) {
        if (o instanceof List<?> l) return l;
        throw FormatException.of(file, field, "expected an array");
    }

    private static String string(Object o, Path file, String field) {
        if (o instanceof String s) return s;
        throw FormatException.of(file, field, "expected a string");
    }
}
