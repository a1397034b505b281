package dev.tessera.model.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors: {@code .inp} holds strings each followed by
 * {@code "\n__ggml_vocab_test__\n"}, {@code .out} one line of space-separated ids per string
 * (encoded with add_special=false, parse_special=false).
 */
record VocabVectors(List<String> inputs, List<int[]> expected) {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    static VocabVectors read(Path inp, Path out) {
        try {
            String text = Files.readString(inp, StandardCharsets.UTF_8);
            List<String> ins = new ArrayList<>(Arrays.asList(text.split(SEPARATOR, -1)));
            if (ins.getLast().isEmpty()) ins.removeLast();
            List<int[]> outs = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                String t = line.strip();
                outs.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split("\\s+")).mapToInt(Integer::parseInt).toArray());
            }
            if (ins.size() != outs.size()) throw new IllegalStateException(inp + ": " + ins.size() + " inputs but " + outs.size() + " outputs");
            return new VocabVectors(ins, outs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Descriptions of every mismatching case (empty when all match). */
    List<String> mismatches(Tokenizer tok) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            int[] got = tok.encode(inputs.get(i), false, false);
            if (!Arrays.equals(got, expected.get(i))) {
                bad.add("#" + i + " " + escape(inputs.get(i)) + "\n   expected " + Arrays.toString(expected.get(i)) + "\n   got      " + Arrays.toString(got));
            }
        }
        return bad;
    }

    private static String escape(String s) {
        String e = s.replace("\n", "\\n").replace("\t", "\\t");
        return "'" + (e.length() > 60 ? e.substring(0, 60) + "..." : e) + "'";
    }
}
