package dev.tessera.cli;

import dev.tessera.model.sampling.ChainSampler;
import dev.tessera.model.sampling.Sampler;
import dev.tessera.model.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** llama.cpp's sampling flags. */
final class SamplingOptions {
    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temp;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "Top-p (nucleus); 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--typical", paramLabel = "P", defaultValue = "1.0", description = "Locally typical sampling; 1 = off (default: ${DEFAULT-VALUE})")
    float typical;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "Tokens the penalties look at; -1 = whole context (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--presence-penalty", paramLabel = "X", defaultValue = "0.0", description = "Presence penalty (default: ${DEFAULT-VALUE})")
    float presence;

    @Option(names = "--frequency-penalty", paramLabel = "X", defaultValue = "0.0", description = "Frequency penalty (default: ${DEFAULT-VALUE})")
    float frequency;

    @Option(names = {"-l", "--logit-bias"}, paramLabel = "ID(+|-)BIAS", description = "Bias a token, e.g. 15043+1 or 2-inf (repeatable)")
    List<String> logitBias = new ArrayList<>();

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "Random seed (default: random)")
    Long seed;

    Sampler sampler() { return new ChainSampler(params()); }

    SamplingParams params() {
        int[] ids = new int[logitBias.size()];
        float[] values = new float[logitBias.size()];
        for (int i = 0; i < ids.length; i++) {
            String b = logitBias.get(i);
            int at = Math.max(b.lastIndexOf('+'), b.lastIndexOf('-'));
            if (at <= 0) throw new IllegalArgumentException("--logit-bias " + b + ": expected TOKEN_ID+BIAS or TOKEN_ID-BIAS");
            try {
                ids[i] = Integer.parseInt(b.substring(0, at));
                String v = b.substring(at + 1);
                float mag = v.equalsIgnoreCase("inf") ? Float.POSITIVE_INFINITY : Float.parseFloat(v);
                values[i] = b.charAt(at) == '-' ? -mag : mag;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--logit-bias " + b + ": expected TOKEN_ID+BIAS or TOKEN_ID-BIAS");
            }
        }
        long s = seed != null ? seed : System.nanoTime();
        return new SamplingParams(temp, topK, topP, minP, typical, repeatPenalty, repeatLastN, frequency, presence, ids, values, s);
    }
}
