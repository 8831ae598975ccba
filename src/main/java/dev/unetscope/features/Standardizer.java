package dev.unetscope.features;

/**
 * Per-channel standardisation fitted on the training cases' features of one layer and checkpoint,
 * then applied to every set, so the mixtures and distances of the metrics compare across sets. A
 * channel with zero variance keeps scale 1 (it stays constant rather than becoming NaN).
 */
public record Standardizer(double[] mean, double[] scale) {

    public static Standardizer fit(LayerSample train) {
        int c = train.channels(), n = train.n();
        double[] mean = new double[c], sq = new double[c];
        float[] x = train.data();
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) mean[j] += x[i * c + j];
        for (int j = 0; j < c; j++) mean[j] /= Math.max(1, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) {
            double v = x[i * c + j] - mean[j];
            sq[j] += v * v;
        }
        double[] scale = new double[c];
        for (int j = 0; j < c; j++) {
            double sd = Math.sqrt(sq[j] / Math.max(1, n));
            scale[j] = sd > 1e-12 && Double.isFinite(sd) ? sd : 1.0;
        }
        return new Standardizer(mean, scale);
    }

    public LayerSample apply(LayerSample s) {
        int c = s.channels();
        float[] x = s.data(), out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) ((x[i] - mean[i % c]) / scale[i % c]);
        return new LayerSample(s.name(), c, s.stride(), out, s.labels());
    }
}
