package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;

/**
 * A fitted ridge regression (see {@link RidgePredictor}): immutable, predicts from a row with the
 * training's column layout. Columns dropped at fit time are ignored at prediction.
 */
public final class RidgeModel {
    private final int columns;
    private final int[] kept;
    private final double[] mean, sd, coef;
    private final double intercept, lambda, looRmse;
    private final int n;
    private final String reason;

    RidgeModel(int columns, int[] kept, double[] mean, double[] sd, double[] coef, double intercept, double lambda,
            double looRmse, int n, String reason) {
        this.columns = columns;
        this.kept = kept;
        this.mean = mean;
        this.sd = sd;
        this.coef = coef;
        this.intercept = intercept;
        this.lambda = lambda;
        this.looRmse = looRmse;
        this.n = n;
        this.reason = reason;
    }

    /** A point prediction and its prediction interval (see {@link ConformalInterval}). */
    public record Prediction(double value, double lo, double hi) {}

    /** Predicted y for one row of features (same columns as training); NaN if a used feature is NaN. */
    public double predict(double[] x) {
        if (x == null || x.length != columns) {
            throw new BadInputException("a row of " + (x == null ? 0 : x.length) + " features for a model fitted on "
                    + columns, "pass the training's columns");
        }
        double v = intercept;
        for (int j = 0; j < kept.length; j++) v += coef[j] * (x[kept[j]] - mean[j]) / sd[j];
        return Double.isFinite(v) ? v : Double.NaN;
    }

    /** True when the model predicts (enough rows to fit). */
    public boolean defined() {
        return !Double.isNaN(intercept);
    }

    /** Indices of the training columns used (finite and non-constant in the training rows). */
    public int[] keptColumns() {
        return kept.clone();
    }

    /** Training mean of each kept column. */
    public double[] means() {
        return mean.clone();
    }

    /** Training standard deviation (population, ddof = 0, as sklearn's StandardScaler) of each kept column. */
    public double[] sds() {
        return sd.clone();
    }

    /** Coefficients on the standardised kept columns (what sklearn's Ridge.coef_ gives on standardised data). */
    public double[] standardisedCoefficients() {
        return coef.clone();
    }

    /** Intercept on the standardised scale: the training mean of y (unpenalised). */
    public double intercept() {
        return intercept;
    }

    /** The ridge penalty used (given, or chosen by leave-one-out). */
    public double lambda() {
        return lambda;
    }

    /** Root mean square of the leave-one-out residuals at {@link #lambda()} (what chose lambda). */
    public double looRmse() {
        return looRmse;
    }

    /** Training rows used. */
    public int n() {
        return n;
    }

    /** Empty unless rows or columns were dropped or the model is undefined. */
    public String reason() {
        return reason;
    }
}
