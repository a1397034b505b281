package dev.tessera.model;

import java.util.Arrays;

/**
 * Which sub-layers a self-speculative draft leaves out: {@code attention[l]} skips layer l's
 * attention block, {@code mlp[l]} its feed-forward block (SWIFT's search space).
 */
public record LayerSkip(boolean[] attention, boolean[] mlp) {
    public LayerSkip {
        if (attention.length != mlp.length) throw new IllegalArgumentException("attention and mlp masks differ in length");
        attention = attention.clone();
        mlp = mlp.clone();
    }

    public boolean attention(int layer) { return attention[layer]; }

    public boolean mlp(int layer) { return mlp[layer]; }

    /** Number of skipped sub-layers. */
    public int count() {
        int n = 0;
        for (int l = 0; l < attention.length; l++) n += (attention[l] ? 1 : 0) + (mlp[l] ? 1 : 0);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSkip s && Arrays.equals(attention, s.attention) && Arrays.equals(mlp, s.mlp);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(attention) + Arrays.hashCode(mlp); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < attention.length; l++) sb.append(attention[l] ? 'a' : '-').append(mlp[l] ? 'm' : '-').append(' ');
        return sb.toString().trim();
    }
}
