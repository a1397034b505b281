package dev.tessera.model.tokenizer;

import dev.tessera.model.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Meta's Llama 3 {@code tokenizer.model}: lines of {@code base64(token bytes) rank}. The 256
 * special tokens are not in the file; Meta's tokenizer.py puts them at 128000.. in a fixed order.
 */
final class TiktokenVocab {
    static final int SPECIAL_COUNT = 256;

    private TiktokenVocab() {}

    static Tokenizer load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<String> texts = new ArrayList<>(lines.size() + SPECIAL_COUNT);
        Base64.Decoder b64 = Base64.getDecoder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            if (sp < 0) throw FormatException.of(file, "line " + (i + 1), "expected 'base64 rank'");
            int rank;
            byte[] bytes;
            try {
                rank = Integer.parseInt(line.substring(sp + 1).strip());
                bytes = b64.decode(line.substring(0, sp));
            } catch (IllegalArgumentException e) {
                throw FormatException.of(file, "line " + (i + 1), "expected 'base64 rank': " + e.getMessage());
            }
            if (rank != texts.size()) throw FormatException.of(file, "line " + (i + 1), "expected rank " + texts.size() + ", found " + rank);
            texts.add(ByteLevel.encode(bytes));
        }
        int regular = texts.size();
        for (int k = 0; k < SPECIAL_COUNT; k++) texts.add(specialName(k));
        int n = texts.size();
        TokenType[] types = new TokenType[n];
        Arrays.fill(types, 0, regular, TokenType.NORMAL);
        Arrays.fill(types, regular, n, TokenType.CONTROL);
        Vocabulary v = new Vocabulary(texts, new float[n], types);
        Tokenizer.Settings s = new Tokenizer.Settings(Tokenizer.Style.BYTE_LEVEL, regular, regular + 1, -1, regular + 9, -1, true, false, false);
        MergeTable merges = Merges.fromRanks(v, regular);
        return new Tokenizer(v, s, new BpeTextEncoder(v, merges, PreTokenizer.LLAMA3, true), new boolean[n], new boolean[n]);
    }

    /** Meta's order: begin/end of text, reserved 0-3, header start/end, reserved 4, eot, then reserved 5 onwards. */
    private static String specialName(int k) {
        return switch (k) {
            case 0 -> "<|begin_of_text|>";
            case 1 -> "<|end_of_text|>";
            case 2, 3, 4, 5 -> "<|reserved_special_token_" + (k - 2) + "|>";
            case 6 -> "<|start_header_id|>";
            case 7 -> "<|end_header_id|>";
            case 8 -> "<|reserved_special_token_4|>";
            case 9 -> "<|eot_id|>";
            default -> "<|reserved_special_token_" + (k - 5) + "|>";
        };
    }
}
