package dev.tessera.kernels.simd;

/** Plain double-precision reference versions of the backend's ops, written for the tests only. */
final class Reference {
    private Reference() {}

    static float[] matvec(float[][] w, float[] x, int xOffset) {
        float[] out = new float[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int c = 0; c < w[r].length; c++) s += (double) w[r][c] * x[xOffset + c];
            out[r] = (float) s;
        }
        return out;
    }

    /**
     * Attention of one query vector over explicit keys/values: {@code allowed[s]} says whether slot
     * {@code s} is visible.
     */
    static float[] attend(float[] q, float[][] keys, float[][] values, boolean[] allowed, double scale, double softcap) {
        int hd = q.length;
        double[] sc = new double[keys.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < keys.length; s++) {
            if (!allowed[s]) continue;
            double dot = 0;
            for (int d = 0; d < hd; d++) dot += (double) q[d] * keys[s][d];
            dot *= scale;
            if (softcap > 0) dot = softcap * Math.tanh(dot / softcap);
            sc[s] = dot;
            max = Math.max(max, dot);
        }
        double sum = 0;
        double[] acc = new double[hd];
        for (int s = 0; s < keys.length; s++) {
            if (!allowed[s]) continue;
            double p = Math.exp(sc[s] - max);
            sum += p;
            for (int d = 0; d < hd; d++) acc[d] += p * values[s][d];
        }
        float[] out = new float[hd];
        for (int d = 0; d < hd; d++) out[d] = sum == 0 ? 0 : (float) (acc[d] / sum);
        return out;
    }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
