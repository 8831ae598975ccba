package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;
import java.util.Arrays;

/**
 * Jackknife+ over groups (CV+ with the groups as folds; Barber, Candes, Ramdas and Tibshirani,
 * "Predictive inference with the jackknife+", Annals of Statistics 49(1), 2021, section 4 and its
 * K-fold CV+): the prediction interval of a regression whose calibration residuals come from
 * leave-one-group-out fits.
 *
 * <p>For each group k a model mu_{-k} is fitted without group k's rows, and each of its rows i gets
 * the held-out residual R_i = |y_i - mu_{-k(i)}(x_i)|. For a new row x, with n residuals in all and
 * alpha = 1 - level:
 * <pre>
 *   lo(x) = the floor(alpha (n+1))-th smallest of  mu_{-k(i)}(x) - R_i   (i = 1..n), -infinity if that rank is 0
 *   hi(x) = the ceil((1-alpha)(n+1))-th smallest of mu_{-k(i)}(x) + R_i, +infinity if that rank exceeds n
 * </pre>
 * Under exchangeable rows Barber et al. prove coverage at least 1 - 2 alpha - sqrt(2/n) for CV+ (and it is
 * typically near 1 - alpha); with whole groups held out, the residuals mimic a new objective or a new
 * query set, which is the shift a deployed predictor meets. Its coverage is not guaranteed when the new
 * group is unlike every calibration group: {@link RidgePredictor#crossValidate} measures it.
 *
 * <p>Immutable: the residuals of each fold and the nominal level; {@link #bounds} takes the folds'
 * predictions at a new row, so no model is refitted at prediction time.
 */
public final class ConformalInterval {
    /** The nominal coverage used everywhere unless a caller says otherwise: 90 %. */
    public static final double DEFAULT_LEVEL = 0.90;

    private final double level;
    private final double[][] residuals;

    /**
     * @param level     nominal coverage, in (0, 1)
     * @param residuals per fold, the absolute held-out residuals of its rows (non-finite ones are ignored)
     */
    public ConformalInterval(double level, double[][] residuals) {
        checkLevel(level);
        this.level = level;
        this.residuals = new double[residuals.length][];
        for (int f = 0; f < residuals.length; f++) this.residuals[f] = Arrays.stream(residuals[f]).filter(Double::isFinite).toArray();
    }

    public double level() {
        return level;
    }

    /** The residuals of fold f (a copy). */
    public double[] residuals(int f) {
        return residuals[f].clone();
    }

    public int folds() {
        return residuals.length;
    }

    /**
     * The interval {lo, hi} at a new row, given each fold model's prediction there (aligned with the
     * folds; a non-finite prediction leaves that fold's residuals out). {NaN, NaN} with no residual.
     */
    public double[] bounds(double[] foldPredictions) {
        if (foldPredictions.length != residuals.length) {
            throw new IllegalArgumentException(foldPredictions.length + " fold predictions for " + residuals.length + " folds");
        }
        int n = 0;
        for (int f = 0; f < residuals.length; f++) if (Double.isFinite(foldPredictions[f])) n += residuals[f].length;
        if (n == 0) return new double[] {Double.NaN, Double.NaN};
        double[] minus = new double[n], plus = new double[n];
        int i = 0;
        for (int f = 0; f < residuals.length; f++) {
            if (!Double.isFinite(foldPredictions[f])) continue;
            for (double r : residuals[f]) {
                minus[i] = foldPredictions[f] - r;
                plus[i++] = foldPredictions[f] + r;
            }
        }
        return new double[] {lower(minus, level), upper(plus, level)};
    }

    /** floor((1 - level)(n + 1)): the rank of the lower end; 0 means -infinity. */
    public static int lowerRank(int n, double level) {
        checkLevel(level);
        return (int) Math.floor((1 - level) * (n + 1) + 1e-9);
    }

    /** ceil(level (n + 1)) = n + 1 - lowerRank: the rank of the upper end; n + 1 means +infinity. */
    public static int upperRank(int n, double level) {
        return n + 1 - lowerRank(n, level);
    }

    /** The upperRank(n, level)-th smallest of the values (+infinity past n): split conformal's quantile of the scores. */
    public static double upper(double[] values, double level) {
        int k = upperRank(values.length, level);
        if (k > values.length) return Double.POSITIVE_INFINITY;
        double[] s = values.clone();
        Arrays.sort(s);
        return s[k - 1];
    }

    /** The lowerRank(n, level)-th smallest of the values (-infinity at rank 0). */
    public static double lower(double[] values, double level) {
        int k = lowerRank(values.length, level);
        if (k < 1) return Double.NEGATIVE_INFINITY;
        double[] s = values.clone();
        Arrays.sort(s);
        return s[k - 1];
    }

    private static void checkLevel(double level) {
        if (!(level > 0 && level < 1)) throw new BadInputException("interval level " + level + " is not in (0, 1)", "use e.g. 0.9");
    }
}
