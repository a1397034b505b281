package dev.tessera.model;

/** How a model stretches RoPE frequencies beyond its training context. */
public sealed interface RopeScaling {
    /** Applies the scaling to the plain inverse frequencies of {@code dims} rotated dimensions, in place. */
    void apply(float[] invFreq, int dims);

    /** No scaling. */
    record None() implements RopeScaling {
        @Override
        public void apply(float[] invFreq, int dims) {}
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    record Linear(float factor) implements RopeScaling {
        @Override
        public void apply(float[] invFreq, int dims) {
            for (int i = 0; i < invFreq.length; i++) invFreq[i] /= factor;
        }
    }

    /**
     * Llama 3.1's {@code rope_scaling.rope_type = "llama3"}: long wavelengths are divided by
     * {@code factor}, short ones kept, and the band between blended smoothly.
     */
    record Llama3(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) implements RopeScaling {
        @Override
        public void apply(float[] invFreq, int dims) {
            double lowWavelen = originalContext / (double) lowFreqFactor;
            double highWavelen = originalContext / (double) highFreqFactor;
            for (int i = 0; i < invFreq.length; i++) {
                double f = invFreq[i];
                double wavelen = 2 * Math.PI / f;
                if (wavelen < highWavelen) continue;
                if (wavelen > lowWavelen) {
                    invFreq[i] = (float) (f / factor);
                } else {
                    double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    invFreq[i] = (float) ((1 - smooth) * f / factor + smooth * f);
                }
            }
        }
    }

    /**
     * Per-frequency divisors stored with the weights (GGUF {@code rope_freqs.weight}, which is
     * how llama.cpp's converter records Llama 3.1 scaling).
     */
    record FreqFactors(float[] factors) implements RopeScaling {
        @Override
        public void apply(float[] invFreq, int dims) {
            if (factors.length != invFreq.length) {
                throw new FormatException("rope_freqs: " + factors.length + " factors, expected " + invFreq.length);
            }
            for (int i = 0; i < invFreq.length; i++) invFreq[i] /= factors[i];
        }
    }

    RopeScaling NONE = new None();
}
