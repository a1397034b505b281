package dev.tessera.model.json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) parser and writer, so config.json, tokenizer.json, safetensors
 * headers and the HTTP API need no dependency.
 *
 * <p>Values map to: object → {@code LinkedHashMap<String, Object>} (key order kept), array →
 * {@code ArrayList<Object>}, string → {@link String}, true/false → {@link Boolean}, null →
 * {@code null}, number → {@link Long} when it is an integer that fits, else {@link Double}.
 */
public final class Json {
    private static final int MAX_DEPTH = 512;

    private final String src;
    private final boolean uniqueKeys;
    private int pos;
    private int depth;

    private Json(String src, boolean uniqueKeys) {
        this.src = src;
        this.uniqueKeys = uniqueKeys;
    }

    /** Parses one JSON document; trailing non-whitespace is an error. */
    public static Object parse(String text) {
        return parse(text, false);
    }

    private static Object parse(String text, boolean uniqueKeys) {
        Json p = new Json(text, uniqueKeys);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.pos != text.length()) throw p.error("unexpected trailing characters");
        return v;
    }

    /** Parses a document that must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object at the top level", 0);
        return (Map<String, Object>) v;
    }

    /** Like {@link #parseObject}, but a key repeated within any one object is an error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObjectUniqueKeys(String text) {
        Object v = parse(text, true);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object at the top level", 0);
        return (Map<String, Object>) v;
    }

    private JsonException error(String msg) { return new JsonException(msg, pos); }

    private void ws() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private Object value() {
        if (pos >= src.length()) throw error("unexpected end of input");
        char c = src.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!src.startsWith(word, pos)) throw error("expected " + word);
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (peek() == '}') {
            pos++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a string key");
            int keyPos = pos;
            String k = string();
            if (uniqueKeys && m.containsKey(k)) throw new JsonException("duplicate key \"" + k + "\"", keyPos);
            ws();
            if (peek() != ':') throw error("expected ':'");
            pos++;
            ws();
            m.put(k, value());
            ws();
            char c = peek();
            pos++;
            if (c == '}') break;
            if (c != ',') throw new JsonException("expected ',' or '}'", pos - 1);
        }
        depth--;
        return m;
    }

    private List<Object> array() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        pos++;
        List<Object> l = new ArrayList<>();
        ws();
        if (peek() == ']') {
            pos++;
            depth--;
            return l;
        }
        while (true) {
            ws();
            l.add(value());
            ws();
            char c = peek();
            pos++;
            if (c == ']') break;
            if (c != ',') throw new JsonException("expected ',' or ']'", pos - 1);
        }
        depth--;
        return l;
    }

    private char peek() {
        if (pos >= src.length()) throw error("unexpected end of input");
        return src.charAt(pos);
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= src.length()) throw error("unterminated string");
            char c = src.charAt(pos);
            if (c == '"') {
                String s = sb == null ? src.substring(start, pos) : sb.append(src, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) throw error("control character in string");
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder();
                sb.append(src, start, pos);
                pos++;
                if (pos >= src.length()) throw error("unterminated escape");
                char e = src.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > src.length()) throw error("short \\u escape");
                        int cp = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(src.charAt(pos + i), 16);
                            if (d < 0) throw error("bad hex digit in \\u escape");
                            cp = cp * 16 + d;
                        }
                        pos += 4;
                        sb.append((char) cp);
                    }
                    default -> throw new JsonException("bad escape '\\" + e + "'", pos - 1);
                }
                start = pos;
            } else {
                pos++;
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (pos >= src.length()) throw error("bad number");
        if (src.charAt(pos) == '0') pos++;
        else if (digits() == 0) throw error("bad number");
        boolean integral = true;
        if (pos < src.length() && src.charAt(pos) == '.') {
            pos++;
            integral = false;
            if (digits() == 0) throw error("bad number: digits expected after '.'");
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            pos++;
            integral = false;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) pos++;
            if (digits() == 0) throw error("bad number: exponent digits expected");
        }
        String t = src.substring(start, pos);
        if (integral && t.length() <= 18) return Long.parseLong(t);
        if (integral) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                return Double.parseDouble(t);
            }
        }
        return Double.parseDouble(t);
    }

    private int digits() {
        int n = 0;
        while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
            pos++;
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ writing

    /** Compact JSON text of a value built from the types listed in the class comment (plus any Number, Iterable). */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    public static void write(StringBuilder sb, Object v) {
        if (v == null) sb.append("null");
        else if (v instanceof String s) quote(sb, s);
        else if (v instanceof Boolean b) sb.append(b);
        else if (v instanceof Double d) number(sb, d);
        else if (v instanceof Float f) number(sb, f.doubleValue());
        else if (v instanceof Number n) sb.append(n);
        else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
                if (it.hasNext()) sb.append(',');
            }
            sb.append('}');
        } else if (v instanceof Iterable<?> l) {
            sb.append('[');
            Iterator<?> it = l.iterator();
            while (it.hasNext()) {
                write(sb, it.next());
                if (it.hasNext()) sb.append(',');
            }
            sb.append(']');
        } else if (v instanceof int[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : ",").append(a[i]);
            sb.append(']');
        } else if (v instanceof float[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) sb.append(',');
                number(sb, a[i]);
            }
            sb.append(']');
        } else throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
    }

    private static void number(StringBuilder sb, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) sb.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d);
        else sb.append(d);
    }

    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
