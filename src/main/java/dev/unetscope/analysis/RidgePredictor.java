package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Ridge regression of test IoU on label-free metrics, with a prediction interval and
 * leave-one-group-out validation.
 *
 * <ul>
 *   <li>Features are standardised with the training rows' mean and population standard deviation
 *       (ddof = 0, as sklearn's StandardScaler); the intercept is not penalised, so on the
 *       standardised scale it is the mean of y and the coefficients minimise
 *       ||y - mean(y) - Z b||^2 + lambda ||b||^2, exactly sklearn's Ridge(alpha=lambda) on Z.
 *   <li>lambda is given, or chosen from a grid by the smallest leave-one-out mean squared error
 *       (the larger lambda on ties). Leave-one-out residuals come in closed form, e_i / (1 - h_ii),
 *       with the standardisation of all training rows held fixed (as sklearn's RidgeCV).
 *   <li>Prediction interval: jackknife+ over groups ({@link ConformalInterval}, Barber et al. 2021):
 *       {@link #fitConformal} fits one model per held-out group and keeps its held-out absolute
 *       residuals; the interval at a new row comes from those fold models' predictions there and the
 *       residuals, at the nominal {@link #level()} (default {@link ConformalInterval#DEFAULT_LEVEL}).
 *       The point prediction is the model fitted on every row. {@link #crossValidate} measures the
 *       interval's coverage with each group held out in turn (the interval then calibrated on the
 *       other groups alone, nested leave-one-group-out).
 *   <li>Bad rows and columns: training rows with a non-finite y are dropped; a column with any
 *       non-finite value, or constant, over the training rows is dropped (per fold in
 *       cross-validation); with no column left the model predicts the training mean. Fewer than 3
 *       training rows gives an undefined model that predicts NaN. All of this is said in reason().
 * </ul>
 */
public final class RidgePredictor {
    private static final double[] DEFAULT_LAMBDAS = grid(-3, 4, 15);

    private final double[] lambdas;
    private final double level;

    /** The default lambda grid: 1e-3 to 1e4 in half decades (15 values). */
    public static double[] defaultLambdas() {
        return DEFAULT_LAMBDAS.clone();
    }

    /** lambda chosen by leave-one-out over {@link #defaultLambdas()}; intervals at {@link ConformalInterval#DEFAULT_LEVEL}. */
    public RidgePredictor() {
        this(DEFAULT_LAMBDAS, ConformalInterval.DEFAULT_LEVEL);
    }

    /** A fixed lambda (&gt;= 0); intervals at {@link ConformalInterval#DEFAULT_LEVEL}. */
    public RidgePredictor(double lambda) {
        this(new double[] {lambda}, ConformalInterval.DEFAULT_LEVEL);
    }

    /**
     * @param lambdas candidate penalties, each finite and &gt;= 0; one value fixes lambda
     * @param level nominal coverage of the conformal interval, in (0, 1)
     */
    public RidgePredictor(double[] lambdas, double level) {
        if (lambdas == null || lambdas.length == 0) throw new BadInputException("no ridge penalty given", "pass at least one lambda");
        for (double l : lambdas) {
            if (!(l >= 0 && Double.isFinite(l))) throw new BadInputException("ridge penalty " + l + " is not a finite value >= 0", "use e.g. 1.0");
        }
        if (!(level > 0 && level < 1)) throw new BadInputException("interval level " + level + " is not in (0, 1)", "use e.g. 0.9");
        this.lambdas = lambdas.clone();
        this.level = level;
    }

    public double[] lambdas() {
        return lambdas.clone();
    }

    /** Nominal coverage of the conformal interval. */
    public double level() {
        return level;
    }

    /**
     * Result of leave-one-group-out validation. Arrays are aligned with the input rows; a row is
     * NaN where it was not scored (its y or a used feature non-finite, or its fold could not be
     * fitted).
     *
     * @param n rows scored
     * @param folds groups held out in turn
     * @param mae mean absolute error of the held-out predictions
     * @param coverage fraction of the rows with an interval whose y lies in it (the interval
     *        calibrated on the other groups alone: undefined with fewer than 3 groups)
     * @param meanHalfWidth mean of (hi - lo) / 2 over the held-out intervals
     * @param level the intervals' nominal coverage
     */
    public record CrossValidation(int n, int folds, double mae, double coverage, double meanHalfWidth, double level,
            double[] predicted, double[] lo, double[] hi, String reason) {}

    /**
     * Jackknife+ over groups, fitted: one model per held-out group (aligned with {@link #groups()}, in
     * order of first appearance) and the interval built from their held-out residuals.
     */
    public record Conformal(List<RidgeModel> folds, List<Integer> groups, ConformalInterval interval, String reason) {
        /** Each fold model's prediction at x (NaN where a fold is undefined or a used feature is NaN). */
        public double[] foldPredictions(double[] x) {
            double[] mu = new double[folds.size()];
            for (int f = 0; f < mu.length; f++) mu[f] = folds.get(f).defined() ? folds.get(f).predict(x) : Double.NaN;
            return mu;
        }

        /** The interval {lo, hi} at x; {NaN, NaN} when no fold could be fitted. */
        public double[] bounds(double[] x) {
            return interval == null ? new double[] {Double.NaN, Double.NaN} : interval.bounds(foldPredictions(x));
        }
    }

    /**
     * The conformal interval of {@link #fit}'s model: leave-one-group-out fits over the rows with a
     * finite y (at least 2 groups, else an interval that is always NaN, said in reason()).
     */
    public Conformal fitConformal(double[][] X, double[] y, int[] groups) {
        int p = checkShape(X, y);
        checkGroups(groups, y.length);
        return conformalRows(X, y, groups, finiteRows(y), p);
    }

    private Conformal conformalRows(double[][] X, double[] y, int[] groups, int[] rows, int p) {
        Map<Integer, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i : rows) byGroup.computeIfAbsent(groups[i], k -> new ArrayList<>()).add(i);
        if (byGroup.size() < 2) {
            return new Conformal(List.of(), List.of(), null, "a conformal interval needs at least 2 groups to hold out, got " + byGroup.size());
        }
        List<RidgeModel> folds = new ArrayList<>();
        double[][] residuals = new double[byGroup.size()][];
        int f = 0, unfit = 0;
        for (Map.Entry<Integer, List<Integer>> e : byGroup.entrySet()) {
            int g = e.getKey();
            int[] train = Arrays.stream(rows).filter(i -> groups[i] != g).toArray();
            RidgeModel m = fitRows(X, y, train, p, new ArrayList<>());
            folds.add(m);
            if (!m.defined()) unfit++;
            residuals[f++] = e.getValue().stream().mapToDouble(i -> m.defined() ? Math.abs(y[i] - m.predict(X[i])) : Double.NaN).toArray();
        }
        return new Conformal(folds, List.copyOf(byGroup.keySet()), new ConformalInterval(level, residuals),
                unfit == 0 ? "" : unfit + " of " + byGroup.size() + " calibration folds had fewer than 3 training rows");
    }

    private static void checkGroups(int[] groups, int n) {
        if (groups == null || groups.length != n) {
            throw new BadInputException((groups == null ? 0 : groups.length) + " group ids for " + n + " rows",
                    "pass one group id per row");
        }
    }

    /** Fits on the rows of X (each a feature vector) and y. */
    public RidgeModel fit(double[][] X, double[] y) {
        int p = checkShape(X, y);
        List<String> notes = new ArrayList<>();
        int[] rows = finiteRows(y);
        if (rows.length < y.length) notes.add("dropped " + (y.length - rows.length) + " of " + y.length + " rows with a non-finite y");
        return fitRows(X, y, rows, p, notes);
    }

    /**
     * Leave-one-group-out: for each group id in turn, fits on the other groups (lambda chosen
     * inside the training fold when a grid is given) and predicts the held-out rows, with the
     * conformal interval calibrated on the other groups only (their own leave-one-group-out fits),
     * so the held-out group is new to both the point prediction and the interval.
     */
    public CrossValidation crossValidate(double[][] X, double[] y, int[] groups) {
        int p = checkShape(X, y);
        checkGroups(groups, y.length);
        int n0 = y.length;
        double[] pred = new double[n0], lo = new double[n0], hi = new double[n0];
        Arrays.fill(pred, Double.NaN);
        Arrays.fill(lo, Double.NaN);
        Arrays.fill(hi, Double.NaN);
        Map<Integer, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < n0; i++) byGroup.computeIfAbsent(groups[i], k -> new ArrayList<>()).add(i);
        if (byGroup.size() < 2) {
            return new CrossValidation(0, byGroup.size(), Double.NaN, Double.NaN, Double.NaN, level, pred, lo, hi,
                    "leave-one-group-out needs at least 2 groups, got " + byGroup.size());
        }
        List<String> notes = new ArrayList<>();
        int scored = 0, covered = 0, unfit = 0, withInterval = 0;
        double absErr = 0, width = 0;
        for (Map.Entry<Integer, List<Integer>> e : byGroup.entrySet()) {
            int g = e.getKey();
            int[] train = new int[n0];
            int m = 0;
            for (int i = 0; i < n0; i++) if (groups[i] != g && Double.isFinite(y[i])) train[m++] = i;
            int[] trainRows = Arrays.copyOf(train, m);
            RidgeModel model = fitRows(X, y, trainRows, p, new ArrayList<>());
            if (!model.defined()) unfit++;
            Conformal calibration = model.defined() ? conformalRows(X, y, groups, trainRows, p) : null;
            for (int i : e.getValue()) {
                if (!Double.isFinite(y[i]) || !model.defined()) continue;
                double v = model.predict(X[i]);
                if (Double.isNaN(v)) continue;
                pred[i] = v;
                scored++;
                absErr += Math.abs(v - y[i]);
                double[] b = calibration.bounds(X[i]);
                if (Double.isNaN(b[0]) || Double.isNaN(b[1])) continue;
                lo[i] = b[0];
                hi[i] = b[1];
                withInterval++;
                width += (b[1] - b[0]) / 2;
                if (b[0] <= y[i] && y[i] <= b[1]) covered++;
            }
        }
        if (unfit > 0) notes.add(unfit + " of " + byGroup.size() + " folds had fewer than 3 training rows");
        if (withInterval < scored) {
            notes.add((scored - withInterval) + " of " + scored + " scored rows without an interval"
                    + (byGroup.size() < 3 ? " (calibrating on the other groups needs at least 3 groups)" : ""));
        }
        if (scored < n0) notes.add((n0 - scored) + " of " + n0 + " rows not scored (non-finite y or feature, or fold not fitted)");
        if (scored == 0) notes.add("no row scored");
        return new CrossValidation(scored, byGroup.size(), scored == 0 ? Double.NaN : absErr / scored,
                withInterval == 0 ? Double.NaN : (double) covered / withInterval, withInterval == 0 ? Double.NaN : width / withInterval,
                level, pred, lo, hi, String.join("; ", notes));
    }

    private RidgeModel fitRows(double[][] X, double[] y, int[] rows, int p, List<String> notes) {
        int n = rows.length;
        if (n < 3) {
            notes.add("fewer than 3 training rows (" + n + ")");
            return new RidgeModel(p, new int[0], new double[0], new double[0], new double[0], Double.NaN,
                    Double.NaN, Double.NaN, n, String.join("; ", notes));
        }
        List<Integer> keptList = new ArrayList<>();
        List<Integer> nonFinite = new ArrayList<>(), constant = new ArrayList<>();
        for (int c = 0; c < p; c++) {
            boolean finite = true, varies = false;
            for (int i : rows) {
                if (!Double.isFinite(X[i][c])) finite = false;
                else if (X[i][c] != X[rows[0]][c]) varies = true;
            }
            if (!finite) nonFinite.add(c);
            else if (!varies) constant.add(c);
            else keptList.add(c);
        }
        if (!nonFinite.isEmpty()) notes.add("dropped columns with non-finite values " + nonFinite);
        if (!constant.isEmpty()) notes.add("dropped constant columns " + constant);
        int[] kept = keptList.stream().mapToInt(Integer::intValue).toArray();
        int k = kept.length;
        if (k == 0) notes.add("no usable feature column: predicts the training mean");

        double[] mean = new double[k], sd = new double[k];
        for (int j = 0; j < k; j++) {
            for (int i : rows) mean[j] += X[i][kept[j]];
            mean[j] /= n;
            for (int i : rows) sd[j] += (X[i][kept[j]] - mean[j]) * (X[i][kept[j]] - mean[j]);
            sd[j] = Math.sqrt(sd[j] / n);
        }
        double ym = 0;
        for (int i : rows) ym += y[i];
        ym /= n;
        double[] yc = new double[n];
        DMatrixRMaj zm = new DMatrixRMaj(n, Math.max(k, 1));
        for (int r = 0; r < n; r++) {
            yc[r] = y[rows[r]] - ym;
            for (int j = 0; j < k; j++) zm.set(r, j, (X[rows[r]][kept[j]] - mean[j]) / sd[j]);
        }

        // Z = U S V^T: b = V diag(s / (s^2 + lambda)) U^T yc; h_ii = 1/n + sum_j U_ij^2 s_j^2 / (s_j^2 + lambda)
        int q = Math.min(n, k);
        double[][] u = new double[n][q];
        double[][] v = new double[k][q];
        double[] s = new double[q];
        if (k > 0) {
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, k, true, true, true);
            if (!svd.decompose(zm.copy())) throw new IllegalStateException("SVD did not converge");
            DMatrixRMaj um = svd.getU(null, false), vm = svd.getV(null, false);
            double[] w = svd.getSingularValues();
            for (int j = 0; j < q; j++) {
                s[j] = w[j];
                for (int r = 0; r < n; r++) u[r][j] = um.get(r, j);
                for (int c = 0; c < k; c++) v[c][j] = vm.get(c, j);
            }
        }
        double[] uty = new double[q];
        for (int j = 0; j < q; j++) for (int r = 0; r < n; r++) uty[j] += u[r][j] * yc[r];
        double tiny = 1e-12 * (q > 0 ? Arrays.stream(s).max().orElse(0) : 0);

        double best = Double.NaN, bestMse = Double.POSITIVE_INFINITY;
        double[] sorted = lambdas.clone();
        Arrays.sort(sorted);
        for (int li = sorted.length - 1; li >= 0; li--) {
            double mse = looMse(u, s, uty, yc, sorted[li], tiny);
            if (Double.isNaN(best) || mse < bestMse) {
                best = sorted[li];
                bestMse = mse;
            }
        }
        double[] coef = new double[k];
        for (int j = 0; j < q; j++) {
            double f = s[j] > tiny ? s[j] / (s[j] * s[j] + best) : 0;
            for (int c = 0; c < k; c++) coef[c] += v[c][j] * f * uty[j];
        }
        double rmse = Math.sqrt(bestMse);
        if (!Double.isFinite(rmse)) notes.add("leave-one-out residuals undefined (a row has leverage 1)");
        return new RidgeModel(p, kept, mean, sd, coef, ym, best, Double.isFinite(rmse) ? rmse : Double.NaN, n, String.join("; ", notes));
    }

    /** Mean squared leave-one-out residual e_i / (1 - h_ii); +infinity if a leverage reaches 1. */
    private static double looMse(double[][] u, double[] s, double[] uty, double[] yc, double lambda, double tiny) {
        int n = yc.length, q = s.length;
        double[] shrink = new double[q];
        for (int j = 0; j < q; j++) shrink[j] = s[j] > tiny ? s[j] * s[j] / (s[j] * s[j] + lambda) : 0;
        double sum = 0;
        for (int r = 0; r < n; r++) {
            double fit = 0, h = 1.0 / n;
            for (int j = 0; j < q; j++) {
                fit += u[r][j] * shrink[j] * uty[j];
                h += u[r][j] * u[r][j] * shrink[j];
            }
            if (1 - h < 1e-10) return Double.POSITIVE_INFINITY;
            double e = (yc[r] - fit) / (1 - h);
            sum += e * e;
        }
        return sum / n;
    }

    private static int checkShape(double[][] X, double[] y) {
        if (X == null || y == null) throw new BadInputException("ridge regression needs features and targets", "pass X and y");
        if (X.length != y.length) throw new BadInputException(X.length + " feature rows for " + y.length + " targets", "pass one row per target");
        if (X.length == 0) return 0;
        int p = X[0].length;
        for (int i = 0; i < X.length; i++) {
            if (X[i] == null || X[i].length != p) {
                throw new BadInputException("feature row " + i + " has " + (X[i] == null ? 0 : X[i].length)
                        + " values, row 0 has " + p, "pass a rectangular table");
            }
        }
        return p;
    }

    private static int[] finiteRows(double[] y) {
        return java.util.stream.IntStream.range(0, y.length).filter(i -> Double.isFinite(y[i])).toArray();
    }

    private static double[] grid(double fromExp, double toExp, int count) {
        double[] g = new double[count];
        for (int i = 0; i < count; i++) g[i] = Math.pow(10, fromExp + (toExp - fromExp) * i / (count - 1));
        return g;
    }
}
