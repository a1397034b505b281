package dev.tessera.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Text to token ids and back, for every vocabulary kind the runtime loads (see {@link Tokenizers}).
 * Encoding follows llama.cpp: special tokens are split out first, each remaining text fragment goes
 * through the model's pre-tokenizer and subword encoder. Encoding is serialised (the encoders reuse
 * scratch buffers); decoding is stateless.
 */
public final class Tokenizer {
    /** How token texts spell bytes: SentencePiece pieces (U+2581 spaces, {@code <0xXX>} byte tokens) or GPT-2 byte-level characters. */
    public enum Style { SPM, BYTE_LEVEL }

    /** Special ids (-1 when absent) and flags of one vocabulary. */
    public record Settings(Style style, int bos, int eos, int unk, int eot, int eom, boolean addBos, boolean addEos, boolean nfc) {
        public Settings withAddBos(boolean v) { return new Settings(style, bos, eos, unk, eot, eom, v, addEos, nfc); }
    }

    /** Token texts llama.cpp treats as ending a turn, whatever the metadata says. */
    private static final List<String> EOG_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>");
    private static final List<String> EOT_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>");

    private final Vocabulary vocab;
    private final Settings settings;
    private final TextEncoder encoder;
    private final SpecialTokens specials;
    private final byte[][] pieces;
    private final int eot;
    private final int eom;
    private final int[] eog;
    private final boolean[] isEog;

    Tokenizer(Vocabulary vocab, Settings settings, TextEncoder encoder, boolean[] lstrip, boolean[] rstrip) {
        this.vocab = vocab;
        this.settings = settings;
        this.encoder = encoder;
        int eotId = settings.eot() >= 0 ? settings.eot() : firstOf(vocab, EOT_TEXTS);
        int eomId = settings.eom() >= 0 ? settings.eom() : vocab.id("<|eom_id|>");
        Set<Integer> eogSet = new LinkedHashSet<>();
        for (int id : new int[] {settings.eos(), eotId, eomId}) if (id >= 0) eogSet.add(id);
        for (String t : EOG_TEXTS) if (vocab.id(t) >= 0) eogSet.add(vocab.id(t));
        // llama.cpp forces turn-end tokens it recognises to control type, so they never print.
        for (int id : eogSet) {
            if (id == eotId || id == eomId || EOG_TEXTS.contains(vocab.text(id))) vocab.setType(id, TokenType.CONTROL);
        }
        this.eot = eotId;
        this.eom = eomId;
        this.eog = eogSet.stream().mapToInt(Integer::intValue).toArray();
        this.isEog = new boolean[vocab.size()];
        for (int id : eog) isEog[id] = true;
        this.specials = new SpecialTokens(vocab, lstrip, rstrip);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) pieces[id] = computePiece(id);
    }

    private static int firstOf(Vocabulary v, List<String> texts) {
        for (String t : texts) if (v.id(t) >= 0) return v.id(t);
        return -1;
    }

    /**
     * Encodes {@code text}. {@code addSpecial} adds BOS/EOS as the model's flags ask;
     * {@code parseSpecial} turns control-token texts such as {@code <|im_start|>} into their ids
     * (user-defined added tokens are always matched).
     */
    public synchronized int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        if (settings.nfc()) text = Normalizer.normalize(text, Normalizer.Form.NFC);
        IntList out = new IntList();
        if (addSpecial && settings.addBos() && settings.bos() >= 0) out.add(settings.bos());
        boolean afterSpecial = true;
        for (SpecialTokens.Fragment f : specials.split(text, parseSpecial)) {
            if (f.isText()) {
                encoder.encode(text.substring(f.start(), f.end()), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && settings.addEos() && settings.eos() >= 0) out.add(settings.eos());
        return out.toArray();
    }

    /** Decodes ids to text; control tokens are left out and the SPM dummy-prefix space after BOS or at the start is removed. */
    public String decode(int[] ids) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            byte[] p = isControl(id) ? new byte[0] : pieceBytes(id);
            int from = stripsLeadingSpace(prev) && p.length > 0 && p[0] == ' ' ? 1 : 0;
            buf.write(p, from, p.length - from);
            prev = id;
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** True where the next piece loses its leading space: SPM text at the start of the ids or right after BOS. */
    boolean stripsLeadingSpace(int prevId) {
        return settings.style() == Style.SPM && encoder instanceof SpmTextEncoder s && s.addSpacePrefix()
                && (prevId < 0 || prevId == settings.bos());
    }

    /** The bytes a token stands for in text; control tokens give their own text. May be an incomplete UTF-8 sequence. */
    public byte[] pieceBytes(int id) { return pieces[checkId(id)].clone(); }

    /** The piece as a string (malformed UTF-8 becomes U+FFFD). */
    public String piece(int id) { return new String(pieces[checkId(id)], StandardCharsets.UTF_8); }

    /** A streaming decoder that emits text only when a UTF-8 character is complete. */
    public StreamingDecoder streamingDecoder() { return new StreamingDecoder(this); }

    byte[] pieceRef(int id) { return pieces[checkId(id)]; }

    private byte[] computePiece(int id) {
        String text = vocab.text(id);
        TokenType t = vocab.type(id);
        return switch (t) {
            case CONTROL, UNKNOWN, USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case UNUSED, UNDEFINED -> new byte[0];
            case BYTE -> settings.style() == Style.SPM ? new byte[] {(byte) parseByteToken(text, id)} : ByteLevel.decode(text);
            case NORMAL -> settings.style() == Style.SPM
                    ? text.replace(SpmTextEncoder.SPACE, ' ').getBytes(StandardCharsets.UTF_8)
                    : ByteLevel.decode(text);
        };
    }

    private int parseByteToken(String text, int id) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            return Integer.parseInt(text.substring(3, 5), 16);
        }
        throw new IllegalArgumentException("tokenizer: byte token " + id + " is '" + text + "', expected <0xXX>");
    }

    private int checkId(int id) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + pieces.length);
        return id;
    }

    public int vocabSize() { return vocab.size(); }

    public Vocabulary vocabulary() { return vocab; }

    public Style style() { return settings.style(); }

    public int bos() { return settings.bos(); }

    public int eos() { return settings.eos(); }

    public int unk() { return settings.unk(); }

    /** End-of-turn token ({@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>}, ...), or -1. */
    public int eot() { return eot; }

    /** End-of-message token ({@code <|eom_id|>}), or -1. */
    public int eom() { return eom; }

    /** Every id that ends generation: EOS, EOT, EOM and the turn-end tokens llama.cpp recognises by text. */
    public int[] endOfGenerationIds() { return eog.clone(); }

    public boolean isEndOfGeneration(int id) { return id >= 0 && id < isEog.length && isEog[id]; }

    /** Control or unknown tokens: not printed as text. */
    public boolean isControl(int id) {
        TokenType t = vocab.type(checkId(id));
        return t == TokenType.CONTROL || t == TokenType.UNKNOWN;
    }

    public boolean addBos() { return settings.addBos(); }

    public boolean addEos() { return settings.addEos(); }

    /** The id of an exact token text, or -1. */
    public int tokenId(String text) { return vocab.id(text); }

    @Override
    public String toString() {
        return "Tokenizer[" + settings.style() + ", " + vocab.size() + " tokens, bos=" + bos() + ", eos=" + eos()
                + ", eog=" + Arrays.toString(eog) + "]";
    }
}
