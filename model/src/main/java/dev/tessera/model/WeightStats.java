package dev.tessera.model;

import dev.tessera.tensor.TensorType;
import dev.tessera.tensor.Weight;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes of a loaded model's weights: parameters, bytes, bits per weight, the dominant matrix type,
 * and the bytes one decoded token reads (every matrix once, the embedding table only one row
 * unless it doubles as the output) — the numerator of the decode roofline.
 */
public record WeightStats(long params, long bytes, long bytesPerToken, TensorType mainType) {
    public double bitsPerWeight() { return params == 0 ? 0 : bytes * 8.0 / params; }

    public static WeightStats of(ModelWeights w) {
        List<Weight> perToken = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            for (Weight x : new Weight[] {l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.bq(), l.bk(), l.bv(), l.qNorm(), l.kNorm(),
                    l.postAttnNorm(), l.ffnNorm(), l.gate(), l.up(), l.down(), l.postFfnNorm()}) {
                if (x != null) perToken.add(x);
            }
        }
        perToken.add(w.outputNorm());
        perToken.add(w.output());
        long read = 0, params = 0;
        Map<TensorType, Long> matrixBytes = new EnumMap<>(TensorType.class);
        for (Weight x : perToken) {
            read += x.bytes();
            params += x.rows() * x.cols();
            if (x.rows() > 1) matrixBytes.merge(x.type(), x.bytes(), Long::sum);
        }
        long bytes = read;
        if (w.embedding() != w.output()) {
            bytes += w.embedding().bytes();
            params += w.embedding().rows() * w.embedding().cols();
            matrixBytes.merge(w.embedding().type(), w.embedding().bytes(), Long::sum);
        }
        TensorType main = matrixBytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(TensorType.F32);
        return new WeightStats(params, bytes, read, main);
    }
}
