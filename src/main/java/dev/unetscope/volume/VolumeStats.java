package dev.unetscope.volume;

/**
 * Summary of a volume's voxels. min, max and mean are over finite voxels only (NaN when there are
 * none); NaN and ±Inf voxels are counted apart, not treated as errors, so the caller can decide.
 * {@code nonZero} counts finite non-zero voxels.
 */
public record VolumeStats(long voxels, double min, double max, double mean, long nonZero, long nanCount, long infCount) {

    public static VolumeStats of(Volume v) {
        return of(v.data());
    }

    public static VolumeStats of(float[] data) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        // Neumaier summation: a plain double sum of ~10^8 floats drifts in the last digits.
        double sum = 0, comp = 0;
        long finite = 0, nonZero = 0, nan = 0, inf = 0;
        for (float f : data) {
            if (Float.isNaN(f)) { nan++; continue; }
            if (Float.isInfinite(f)) { inf++; continue; }
            finite++;
            if (f != 0) nonZero++;
            if (f < min) min = f;
            if (f > max) max = f;
            double t = sum + f;
            comp += Math.abs(sum) >= Math.abs(f) ? (sum - t) + f : (f - t) + sum;
            sum = t;
        }
        if (finite == 0) return new VolumeStats(data.length, Double.NaN, Double.NaN, Double.NaN, 0, nan, inf);
        return new VolumeStats(data.length, min, max, (sum + comp) / finite, nonZero, nan, inf);
    }
}
