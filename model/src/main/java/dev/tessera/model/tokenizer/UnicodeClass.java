package dev.tessera.model.tokenizer;

/**
 * The code point classes llama.cpp's pre-tokenizer regexes see. Each non-ASCII code point is
 * collapsed to one stand-in character for its general category (letter, number, punctuation,
 * mark, symbol, other) or to U+000B if it is whitespace, so ASCII-only regexes can test
 * categories; ASCII stays itself.
 */
final class UnicodeClass {
    static final char NUMBER = '\uE0D1';
    static final char LETTER = '\uE0D2';
    static final char PUNCTUATION = '\uE0D3';
    static final char MARK = '\uE0D4';
    static final char SYMBOL = '\uE0D5';
    static final char OTHER = '\uE0D0';

    private UnicodeClass() {}

    /** llama.cpp's whitespace set (Python's str.isspace), wider than Java's \s. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    static char collapse(int cp) {
        if (cp < 128) return (char) cp;
        if (isWhitespace(cp)) return '\u000B';
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            default -> OTHER;
        };
    }

    /**
     * Rewrites {@code \p{N} \p{L} \p{P} \p{M} \p{S}} into classes over the stand-ins plus the ASCII
     * members of each category (inside a bracket class only the members are inserted).
     */
    static String collapseRegex(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                if (regex.charAt(i + 1) == 'p' && i + 4 < regex.length() && regex.charAt(i + 2) == '{' && regex.charAt(i + 4) == '}') {
                    String members = members(regex.charAt(i + 3));
                    out.append(inside ? members : "[" + members + "]");
                    i += 4;
                } else {
                    out.append(c).append(regex.charAt(i + 1));
                    i++;
                }
                continue;
            }
            if (c == '[') inside = true;
            else if (c == ']') inside = false;
            out.append(c);
        }
        return out.toString();
    }

    private static String members(char category) {
        return switch (category) {
            case 'N' -> NUMBER + "0-9";
            case 'L' -> LETTER + "A-Za-z";
            case 'P' -> PUNCTUATION + "!-#%-*,-/:;?@\\[-\\]_\\{\\}";
            case 'M' -> String.valueOf(MARK);
            case 'S' -> SYMBOL + "\\$\\+<->\\^`\\|";
            default -> throw new IllegalArgumentException("unsupported regex category \\p{" + category + "}");
        };
    }
}
