package dev.tessera.model.tokenizer;

import dev.tessera.model.FormatException;
import dev.tessera.model.gguf.Metadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds a {@link Tokenizer} from each on-disk vocabulary format. */
public final class Tokenizers {
    private Tokenizers() {}

    /** From GGUF {@code tokenizer.ggml.*} metadata ({@code model} "llama" = SentencePiece, "gpt2" = byte-level BPE). */
    public static Tokenizer fromGguf(Metadata md) {
        return GgufVocab.load(md);
    }

    /**
     * A llama2.c {@code tokenizer.bin}: int32 max_token_length, then per token float32 score, int32
     * length and the bytes. Pieces spell spaces as ' '; {@code <s>}/{@code </s>} are stored as
     * {@code "\n<s>\n"}/{@code "\n</s>\n"}; ids 0, 1, 2 are unk, BOS, EOS.
     */
    public static Tokenizer fromLlama2c(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) throw FormatException.of(file, "max_token_length", "file too short");
        int maxLen = b.getInt();
        List<String> texts = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (b.hasRemaining()) {
            int id = texts.size();
            if (b.remaining() < 8) throw FormatException.of(file, "token " + id, "truncated header");
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > maxLen || len > b.remaining()) {
                throw FormatException.of(file, "token " + id, "length " + len + " invalid (max_token_length " + maxLen + ")");
            }
            byte[] piece = new byte[len];
            b.get(piece);
            texts.add(new String(piece, StandardCharsets.UTF_8));
            scores.add(score);
        }
        if (texts.size() < 259) throw FormatException.of(file, "tokens", "expected at least 259 (unk, BOS, EOS, 256 bytes), found " + texts.size());
        int n = texts.size();
        float[] sc = new float[n];
        TokenType[] types = new TokenType[n];
        for (int i = 0; i < n; i++) {
            sc[i] = scores.get(i);
            String t = texts.get(i);
            if (i == 0) types[i] = TokenType.UNKNOWN;
            else if (i <= 2) {
                types[i] = TokenType.CONTROL;
                t = t.strip();
            } else if (i <= 258) types[i] = TokenType.BYTE;
            else types[i] = TokenType.NORMAL;
            texts.set(i, types[i] == TokenType.NORMAL ? t.replace(' ', SpmTextEncoder.SPACE) : t);
        }
        Vocabulary v = new Vocabulary(texts, sc, types);
        Tokenizer.Settings s = new Tokenizer.Settings(Tokenizer.Style.SPM, 1, 2, 0, -1, -1, true, false, false);
        return spm(v, s, true, new boolean[n], new boolean[n]);
    }

    /** A Hugging Face {@code tokenizer.json} (BPE), with {@code tokenizer_config.json} beside it when present. */
    public static Tokenizer fromHfTokenizerJson(Path tokenizerJson) {
        return HfVocab.fromTokenizerJson(tokenizerJson);
    }

    /** A folder with {@code vocab.json} + {@code merges.txt} (+ tokenizer_config.json), as Qwen2 ships them. */
    public static Tokenizer fromVocabAndMerges(Path dir) {
        return HfVocab.fromVocabAndMerges(dir);
    }

    /** Meta's Llama 3 tiktoken {@code tokenizer.model} (base64 token, rank per line; specials at 128000..). */
    public static Tokenizer fromTiktoken(Path file) {
        return TiktokenVocab.load(file);
    }

    /**
     * The tokenizer in a model folder: {@code tokenizer.json}, else {@code vocab.json} +
     * {@code merges.txt}, else a tiktoken {@code tokenizer.model}.
     */
    public static Tokenizer fromDirectory(Path dir) {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return fromHfTokenizerJson(dir.resolve("tokenizer.json"));
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) return fromVocabAndMerges(dir);
        if (Files.isRegularFile(dir.resolve("tokenizer.model")) && looksLikeTiktoken(dir.resolve("tokenizer.model"))) {
            return fromTiktoken(dir.resolve("tokenizer.model"));
        }
        throw new FormatException(dir + ": no tokenizer found (expected tokenizer.json, vocab.json + merges.txt, or a tiktoken tokenizer.model)");
    }

    private static boolean looksLikeTiktoken(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(64);
            for (byte b : head) if (b < 0 || (b < 32 && b != '\n' && b != '\r')) return false;
            return true;
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static Tokenizer spm(Vocabulary v, Tokenizer.Settings s, boolean addSpacePrefix, boolean[] lstrip, boolean[] rstrip) {
        SpmEncoder enc = new SpmEncoder(v, spmByteTokens(v), s.unk());
        return new Tokenizer(v, s, new SpmTextEncoder(addSpacePrefix, enc), lstrip, rstrip);
    }

    /** Ids of the {@code <0xXX>} byte-fallback tokens, -1 where missing. */
    static int[] spmByteTokens(Vocabulary v) {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) ids[b] = v.id(String.format(Locale.ROOT, "<0x%02X>", b));
        return ids;
    }
}
