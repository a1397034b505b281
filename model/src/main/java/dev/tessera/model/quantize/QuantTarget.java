package dev.tessera.model.quantize;

import dev.tessera.tensor.TensorType;
import java.util.Locale;

/** What {@code tessera quantize --type} asks for. */
public sealed interface QuantTarget {
    /** Label for messages and metadata, e.g. {@code Q4_K_M} or {@code int4-g64-asym}. */
    String label();

    /** The preset whose llama.cpp rules pick each tensor's type ({@link Grouped} uses its 32-element twin). */
    Preset rules();

    /** A llama.cpp preset; the output file is plain GGUF that llama.cpp loads. */
    record Gguf(Preset preset) implements QuantTarget {
        @Override public String label() { return preset.name(); }
        @Override public Preset rules() { return preset; }
    }

    /**
     * Tessera's group-wise int8/int4 ({@code INT8_G*}, {@code INT4_G*}, {@code INT4A_G*}). Groups of
     * 32 are byte for byte Q8_0/Q4_0/Q4_1, so they are written as those ggml types.
     */
    record Grouped(int bits, int groupSize, boolean asymmetric) implements QuantTarget {
        public Grouped {
            if (bits != 8 && bits != 4) throw new IllegalArgumentException("int" + bits + ": expected int8 or int4");
            if (groupSize != 32 && groupSize != 64 && groupSize != 128) {
                throw new IllegalArgumentException("--group-size " + groupSize + ": expected 32, 64 or 128");
            }
            if (asymmetric && bits == 8) throw new IllegalArgumentException("--asym: only int4 has an asymmetric form");
        }

        @Override
        public String label() { return "int" + bits + "-g" + groupSize + (asymmetric ? "-asym" : ""); }

        @Override
        public Preset rules() { return bits == 8 ? Preset.Q8_0 : asymmetric ? Preset.Q4_1 : Preset.Q4_0; }

        /** The Tessera type of a matrix the rules gave the 32-element twin type. */
        public TensorType type() {
            String name = (bits == 8 ? "INT8_G" : asymmetric ? "INT4A_G" : "INT4_G") + groupSize;
            return TensorType.valueOf(name);
        }
    }

    /**
     * Vector quantization of the block matrices (the vq module's GLVQ or PVQ quantizer) at
     * {@code bits} bits per weight; the embedding and output follow the Q4_0 rules.
     */
    record Vq(TensorType type, int bits) implements QuantTarget {
        public Vq {
            if (type != TensorType.GLVQ && type != TensorType.PVQ) throw new IllegalArgumentException(type + " is not a VQ type");
            if (bits < 2 || bits > (type == TensorType.GLVQ ? 7 : 8)) {
                throw new IllegalArgumentException("--type " + type.name().toLowerCase(Locale.ROOT) + "-" + bits + ": expected 2.."
                        + (type == TensorType.GLVQ ? 7 : 8) + " bits");
            }
        }

        @Override
        public String label() { return type.name().toLowerCase(Locale.ROOT) + "-" + bits; }

        @Override
        public Preset rules() { return Preset.Q4_0; }

        /** Columns a matrix row must be a multiple of. */
        public int groupCols() { return type == TensorType.GLVQ ? 128 : 16; }
    }

    /**
     * Parses {@code --type}: a llama.cpp preset name, {@code int8} or {@code int4} (with the group
     * size and symmetry from their own flags), or {@code glvq-N} / {@code pvq-N}.
     */
    static QuantTarget parse(String type, int groupSize, boolean asymmetric) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.equals("int8")) return new Grouped(8, groupSize, asymmetric);
        if (t.equals("int4")) return new Grouped(4, groupSize, asymmetric);
        if (t.matches("(glvq|pvq)-?[0-9]+")) {
            if (asymmetric) throw new IllegalArgumentException("--asym: only applies to --type int4");
            boolean glvq = t.startsWith("glvq");
            int bits = Integer.parseInt(t.substring(glvq ? 4 : 3).replace("-", ""));
            return new Vq(glvq ? TensorType.GLVQ : TensorType.PVQ, bits);
        }
        if (asymmetric) throw new IllegalArgumentException("--asym: only applies to --type int4");
        return Preset.parse(type).<QuantTarget>map(Gguf::new).orElseThrow(() -> new IllegalArgumentException(
                "--type " + type + ": expected F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q2_K_S, Q3_K_S, Q3_K_M,"
                        + " Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K (Q3_K/Q4_K/Q5_K mean _M), int8, int4, glvq-N or pvq-N"));
    }
}
