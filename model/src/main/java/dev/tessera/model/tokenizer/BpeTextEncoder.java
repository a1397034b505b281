package dev.tessera.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level BPE (GPT-2 style): split the fragment with the family's pre-tokenizer, spell each
 * word's UTF-8 bytes as byte-level characters, then merge by rank. With {@code ignoreMerges}
 * (Llama 3) a word that is itself a token is emitted whole.
 */
final class BpeTextEncoder implements TextEncoder {
    private final Vocabulary vocab;
    private final PreTokenizer pre;
    private final BpeMerger merger;
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256];

    BpeTextEncoder(Vocabulary vocab, MergeTable merges, PreTokenizer pre, boolean ignoreMerges) {
        this.vocab = vocab;
        this.pre = pre;
        this.merger = new BpeMerger(merges);
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.id(String.valueOf(ByteLevel.charOf(b)));
    }

    @Override
    public void encode(String fragment, boolean afterSpecialOrStart, IntList out) {
        for (String word : pre.split(fragment)) {
            byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
            if (ignoreMerges) {
                int whole = vocab.id(ByteLevel.encode(bytes));
                if (whole >= 0) {
                    out.add(whole);
                    continue;
                }
            }
            merger.reset();
            for (byte b : bytes) merger.add(byteIds[b & 0xFF]);
            // A byte with no token of its own is dropped, as in llama.cpp.
            merger.merge((id, first) -> {
                if (id >= 0) out.add(id);
            });
        }
    }
}
