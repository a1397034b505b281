package dev.tessera.model.tokenizer;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.Metadata;
import java.util.List;
import java.util.Locale;

/** Reads the {@code tokenizer.ggml.*} keys of a GGUF file, with llama.cpp's defaults. */
final class GgufVocab {
    private GgufVocab() {}

    static Tokenizer load(Metadata md) {
        String model = md.string("tokenizer.ggml.model").orElseThrow(
                () -> new FormatException("GGUF: tokenizer.ggml.model: missing (no vocabulary in this file)"));
        List<String> tokens = md.strings("tokenizer.ggml.tokens").orElseThrow(
                () -> new FormatException("GGUF: tokenizer.ggml.tokens: missing"));
        int n = tokens.size();
        float[] scores = md.floats("tokenizer.ggml.scores").orElse(new float[n]);
        int[] typeCodes = md.ints("tokenizer.ggml.token_type").orElse(null);
        if (scores.length != n) throw new FormatException("GGUF: tokenizer.ggml.scores: expected " + n + " entries, found " + scores.length);
        if (typeCodes != null && typeCodes.length != n) {
            throw new FormatException("GGUF: tokenizer.ggml.token_type: expected " + n + " entries, found " + typeCodes.length);
        }
        TokenType[] types = new TokenType[n];
        for (int i = 0; i < n; i++) types[i] = typeCodes == null ? TokenType.NORMAL : TokenType.fromCode(typeCodes[i]);
        Vocabulary v = new Vocabulary(tokens, scores, types);
        boolean[] lstrip = new boolean[n], rstrip = new boolean[n];
        String pre = md.string("tokenizer.ggml.pre").orElse("");
        return switch (model) {
            case "llama" -> {
                Tokenizer.Settings s = settings(md, n, Tokenizer.Style.SPM, 1, 2, 0, true, false);
                applyPhi3Strip(md, v, rstrip);
                boolean prefix = md.bool("tokenizer.ggml.add_space_prefix").orElse(true);
                yield Tokenizers.spm(v, s, prefix, lstrip, rstrip);
            }
            case "gpt2" -> {
                Tokenizer.Settings s = settings(md, n, Tokenizer.Style.BYTE_LEVEL, 11, 11, -1, false, false);
                PreTokenizer family;
                try {
                    family = PreTokenizer.forName(pre);
                } catch (IllegalArgumentException e) {
                    throw new FormatException("GGUF: " + e.getMessage());
                }
                // llama.cpp's per-family defaults: Llama 3 and Tekken emit whole-word tokens unmerged and add BOS.
                boolean ignoreMerges = List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "tekken").contains(pre);
                boolean bosByDefault = ignoreMerges || pre.equals("chameleon");
                if (bosByDefault && md.bool("tokenizer.ggml.add_bos_token").isEmpty()) s = s.withAddBos(true);
                List<String> merges = md.strings("tokenizer.ggml.merges").orElseThrow(
                        () -> new FormatException("GGUF: tokenizer.ggml.merges: missing (needed by gpt2 tokenizers)"));
                MergeTable table = Merges.fromStrings(v, merges, "GGUF tokenizer.ggml.merges");
                yield new Tokenizer(v, s, new BpeTextEncoder(v, table, family, ignoreMerges), lstrip, rstrip);
            }
            default -> throw new FormatException("GGUF: tokenizer.ggml.model: '" + model + "' is not supported (expected llama or gpt2)");
        };
    }

    /** Special ids and add_bos/add_eos, each key overriding the tokenizer kind's default. */
    static Tokenizer.Settings settings(Metadata md, int n, Tokenizer.Style style, int bos, int eos, int unk, boolean addBos, boolean addEos) {
        return new Tokenizer.Settings(style,
                id(md, "tokenizer.ggml.bos_token_id", n, bos),
                id(md, "tokenizer.ggml.eos_token_id", n, eos),
                id(md, "tokenizer.ggml.unknown_token_id", n, unk),
                id(md, "tokenizer.ggml.eot_token_id", n, -1),
                id(md, "tokenizer.ggml.eom_token_id", n, -1),
                md.bool("tokenizer.ggml.add_bos_token").orElse(addBos),
                md.bool("tokenizer.ggml.add_eos_token").orElse(addEos),
                false);
    }

    /** An id key; values outside the vocabulary (converters write 0xFFFFFFFF for "none") keep the default. */
    private static int id(Metadata md, String key, int n, int dflt) {
        long v = md.integer(key).orElse((long) dflt);
        return v >= 0 && v < n ? (int) v : dflt;
    }

    /** llama.cpp strips whitespace after Phi-3's special tokens (the models were trained that way). */
    private static void applyPhi3Strip(Metadata md, Vocabulary v, boolean[] rstrip) {
        String name = md.string("general.name").orElse("").toLowerCase(Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) return;
        for (int id = 0; id < v.size(); id++) if (v.type(id).isSpecial()) rstrip[id] = true;
        for (String t : List.of("</s>")) if (v.id(t) >= 0) rstrip[v.id(t)] = true;
        for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) if (v.id(t) >= 0) rstrip[v.id(t)] = false;
    }
}
