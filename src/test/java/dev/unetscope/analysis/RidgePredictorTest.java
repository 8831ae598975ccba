package dev.unetscope.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.analysis.RidgePredictor.CrossValidation;
import dev.unetscope.io.BadInputException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RidgePredictorTest {
    private static final double[][] LINE_X = {{1}, {2}, {3}};
    private static final double[] LINE_Y = {1, 3, 5};

    @Test
    void exactLineWithoutPenalty() {
        // x 1 2 3: mean 2, population sd sqrt(2/3); y = 2x - 1 -> coefficient on z = 2 sd = 1.632993
        RidgeModel m = new RidgePredictor(0).fit(LINE_X, LINE_Y);
        assertThat(m.means()).containsExactly(2.0);
        assertThat(m.sds()[0]).isCloseTo(Math.sqrt(2.0 / 3), within(1e-15));
        assertThat(m.standardisedCoefficients()[0]).isCloseTo(2 * Math.sqrt(2.0 / 3), within(1e-12));
        assertThat(m.intercept()).isCloseTo(3, within(1e-15));
        assertThat(m.predict(new double[] {4})).isCloseTo(7, within(1e-12));
        // a line through the other two points predicts the third exactly: LOO residuals 0
        assertThat(m.looRmse()).isCloseTo(0, within(1e-12));
    }

    @Test
    void penaltyShrinksByHand() {
        // z = -1.2247 0 1.2247 (sum z^2 = n = 3), centred y = -2 0 2, sum z*yc = 4.89898
        // b = sum z*yc / (sum z^2 + lambda): lambda = 3 halves the unpenalised 4.89898/3
        RidgeModel m = new RidgePredictor(3).fit(LINE_X, LINE_Y);
        assertThat(m.standardisedCoefficients()[0]).isCloseTo(Math.sqrt(2.0 / 3), within(1e-12));
        assertThat(m.intercept()).isEqualTo(3.0); // intercept unpenalised
        assertThat(m.lambda()).isEqualTo(3.0);
    }

    @Test
    void interceptOnlyLeaveOneOutByHand() {
        // the only column is constant -> dropped -> predicts the mean of y = 1 2 3 6: 3
        // LOO residual of row i: y_i - mean(others) = (y_i - 3) * 4/3 = -8/3 -4/3 0 4
        // MSE = (64/9 + 16/9 + 0 + 16) / 4 = 56/9
        double[][] x = {{5}, {5}, {5}, {5}};
        double[] y = {1, 2, 3, 6};
        RidgeModel m = new RidgePredictor().fit(x, y);
        assertThat(m.keptColumns()).isEmpty();
        assertThat(m.reason()).contains("dropped constant columns [0]").contains("predicts the training mean");
        assertThat(m.predict(new double[] {100})).isEqualTo(3.0);
        assertThat(m.looRmse()).isCloseTo(Math.sqrt(56.0 / 9), within(1e-12));
    }

    @Test
    void leaveOneGroupOutByHand() {
        // one row per group, intercept only (y = 1 2 3 6 8), nominal level 0.5. Row o held out: the point prediction is the mean of
        // the other four; its interval is the jackknife+ over those four (each fold the mean of three, R its left-out row's
        // |error|), n = 4, ranks floor(0.5 x 5) = 2 of {mu_k - R_k} and 5 - 2 = 3 of {mu_k + R_k}.
        // y=1: train 2 3 6 8, predicts 4.75; mu 17/3 16/3 13/3 11/3, R 11/3 7/3 5/3 13/3: minus 2 3 8/3 -2/3 -> 2; plus 28/3 23/3 6 8 -> 8
        //      [2, 8] misses 1
        // y=2: train 1 3 6 8, predicts 4.5; minus 1 3 2 -4/3 -> 1; plus 31/3 7 6 8 -> 8; [1, 8] covers
        // y=3: train 1 2 6 8, predicts 4.25; minus 1 2 4/3 -2 -> 1; plus 29/3 8 6 8 -> 8; [1, 8] covers
        // y=6: train 1 2 3 8, predicts 3.5; minus 1 2 3 -4 -> 1; plus 23/3 6 13/3 8 -> 23/3; [1, 23/3] covers
        // y=8: train 1 2 3 6, predicts 3; minus 1 2 3 -2 -> 1; plus 19/3 14/3 3 6 -> 6; [1, 6] misses
        // MAE = (3.75 + 2.5 + 1.25 + 2.5 + 5)/5 = 3; coverage 3/5; half-widths 3 3.5 3.5 10/3 2.5, mean 19/6
        double[][] x = {{5}, {5}, {5}, {5}, {5}};
        double[] y = {1, 2, 3, 6, 8};
        int[] groups = {0, 1, 2, 3, 4};
        CrossValidation cv = new RidgePredictor(RidgePredictor.defaultLambdas(), 0.5).crossValidate(x, y, groups);
        assertThat(cv.folds()).isEqualTo(5);
        assertThat(cv.n()).isEqualTo(5);
        assertThat(cv.level()).isEqualTo(0.5);
        assertThat(cv.mae()).isCloseTo(3, within(1e-12));
        assertThat(cv.coverage()).isCloseTo(0.6, within(1e-12));
        assertThat(cv.meanHalfWidth()).isCloseTo(19.0 / 6, within(1e-12));
        assertThat(cv.predicted()).containsExactly(new double[] {4.75, 4.5, 4.25, 3.5, 3}, within(1e-12));
        assertThat(cv.lo()).containsExactly(new double[] {2, 1, 1, 1, 1}, within(1e-12));
        assertThat(cv.hi()).containsExactly(new double[] {8, 8, 8, 23.0 / 3, 6}, within(1e-12));
        // at 90 % with 4 residuals the rank ceil(0.9 x 5) = 5 exceeds n: the interval is the whole line
        CrossValidation wide = new RidgePredictor().crossValidate(x, y, groups);
        assertThat(wide.lo()[0]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(wide.hi()[0]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(wide.coverage()).isEqualTo(1.0);
        // with 2 groups the interval would be calibrated on one group (its fold trains on nothing): none, and the reason says so
        CrossValidation two = new RidgePredictor().crossValidate(x, y, new int[] {0, 0, 0, 1, 1});
        assertThat(two.coverage()).isNaN();
        assertThat(two.mae()).isFinite();
        assertThat(two.reason()).contains("without an interval").contains("at least 3 groups");
    }

    @Test
    void conformalFitByHand() {
        // intercept only, y = 1 2 3 6 8 in groups 7 7 8 9 10, level 0.5, n = 5 residuals: both ends take rank
        // floor(0.5 x 6) = 3 = 6 - 3. Folds: without group 7 mean(3 6 8) = 17/3, R 14/3 11/3; without 8 mean(1 2 6 8) = 4.25, R 1.25;
        // without 9 mean(1 2 3 8) = 3.5, R 2.5; without 10 mean(1 2 3 6) = 3, R 5.
        // minus 1 2 3 1 -2 -> sorted -2 1 1 2 3, 3rd = 1; plus 31/3 28/3 5.5 6 8 -> 5.5 6 8 28/3 31/3, 3rd = 8
        double[][] x = {{5}, {5}, {5}, {5}, {5}};
        double[] y = {1, 2, 3, 6, 8};
        RidgePredictor.Conformal c = new RidgePredictor(RidgePredictor.defaultLambdas(), 0.5).fitConformal(x, y, new int[] {7, 7, 8, 9, 10});
        assertThat(c.groups()).containsExactly(7, 8, 9, 10);
        assertThat(c.interval().residuals(0)).containsExactly(new double[] {14.0 / 3, 11.0 / 3}, within(1e-12));
        assertThat(c.bounds(new double[] {5})).containsExactly(new double[] {1, 8}, within(1e-12));
        assertThat(new RidgePredictor().fitConformal(x, y, new int[] {1, 1, 1, 1, 1}).reason()).contains("at least 2 groups");
    }

    @Test
    void nanAndConstantColumnsDroppedPerFold() {
        // column 0 carries the signal; column 1 is NaN in group 0 only; column 2 constant
        Random rng = new Random(4);
        int n = 60;
        double[][] x = new double[n][3];
        double[] y = new double[n];
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            g[i] = i / 15;
            x[i][0] = rng.nextGaussian();
            x[i][1] = g[i] == 0 ? Double.NaN : rng.nextGaussian();
            x[i][2] = 7;
            y[i] = 0.5 + 0.1 * x[i][0] + 0.01 * rng.nextGaussian();
        }
        RidgeModel all = new RidgePredictor().fit(x, y);
        assertThat(all.keptColumns()).containsExactly(0);
        assertThat(all.reason()).contains("non-finite values [1]").contains("constant columns [2]");
        CrossValidation cv = new RidgePredictor().crossValidate(x, y, g);
        // holding out group 0 leaves column 1 finite, so that fold uses it, and group 0's rows have
        // NaN there: they cannot be predicted and are not scored
        assertThat(cv.n()).isEqualTo(45);
        assertThat(cv.predicted()[0]).isNaN();
        assertThat(cv.reason()).contains("15 of 60 rows not scored");
        assertThat(cv.mae()).isLessThan(0.03);
        // a used feature that is NaN at prediction gives NaN, an unused one is ignored
        assertThat(all.predict(new double[] {Double.NaN, 0, 7})).isNaN();
        assertThat(all.predict(new double[] {0, Double.NaN, Double.NaN})).isCloseTo(0.5, within(0.02));
    }

    @Test
    void intervalCoversNominalOnExchangeableData() {
        // a known linear model with Gaussian noise, rows exchangeable: 2000 independent draws of a training set
        // (40 rows in 8 groups) and one new row; the jackknife+ interval at 90 % should cover the new row's y in
        // about 90 % of draws (Binomial(2000, 0.9): sd 0.0067; the rank rule adds at most 1/(n+1) = 0.024 above)
        Random rng = new Random(8);
        RidgePredictor ridge = new RidgePredictor();
        int draws = 2000, n = 40, covered = 0;
        double width = 0;
        for (int d = 0; d < draws; d++) {
            double[][] x = new double[n + 1][3];
            double[] y = new double[n + 1];
            int[] g = new int[n];
            for (int i = 0; i <= n; i++) {
                for (int j = 0; j < 3; j++) x[i][j] = rng.nextGaussian();
                y[i] = 0.6 + 0.05 * x[i][0] - 0.03 * x[i][1] + 0.02 * rng.nextGaussian();
                if (i < n) g[i] = i % 8;
            }
            double[] b = ridge.fitConformal(java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n), g).bounds(x[n]);
            if (b[0] <= y[n] && y[n] <= b[1]) covered++;
            width += (b[1] - b[0]) / 2 / draws;
        }
        assertThat((double) covered / draws).isBetween(0.9 - 3 * 0.0067, 0.9 + 0.024 + 3 * 0.0067);
        assertThat(width).isCloseTo(1.645 * 0.02, within(0.008)); // the normal quantile's half-width, inflated a little by estimation

        // and leave-one-group-out on one larger exchangeable sample: coverage near 90 % too
        int m = 200;
        double[][] x = new double[m][3];
        double[] y = new double[m];
        int[] g = new int[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) x[i][j] = rng.nextGaussian();
            y[i] = 0.6 + 0.05 * x[i][0] - 0.03 * x[i][1] + 0.02 * rng.nextGaussian();
            g[i] = i % 10;
        }
        CrossValidation cv = ridge.crossValidate(x, y, g);
        assertThat(cv.n()).isEqualTo(m);
        assertThat(cv.mae()).isBetween(0.012, 0.020); // noise sd 0.02: E|e| = 0.02 sqrt(2/pi) = 0.016
        assertThat(cv.coverage()).isBetween(0.85, 0.95); // 200 rows: sd 0.021
    }

    @Test
    void jackknifePlusAgainstNumpyAndScikitLearn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        Random rng = new Random(21);
        int n = 36, p = 3;
        double[][] x = new double[n][p];
        double[] y = new double[n];
        int[] g = new int[n];
        StringBuilder rows = new StringBuilder("x0,x1,x2,y,group\n");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) x[i][j] = rng.nextGaussian();
            g[i] = i % 5;
            y[i] = 0.5 + 0.1 * x[i][0] - 0.05 * x[i][2] + 0.04 * g[i] + 0.05 * rng.nextGaussian(); // a group shift too
            rows.append(x[i][0]).append(',').append(x[i][1]).append(',').append(x[i][2]).append(',').append(y[i]).append(',').append(g[i]).append('\n');
        }
        double[][] fresh = new double[6][p];
        StringBuilder news = new StringBuilder();
        for (double[] r : fresh) {
            for (int j = 0; j < p; j++) r[j] = rng.nextGaussian();
            news.append(r[0]).append(',').append(r[1]).append(',').append(r[2]).append('\n');
        }
        java.nio.file.Files.writeString(tmp.resolve("rows.csv"), rows);
        java.nio.file.Files.writeString(tmp.resolve("new.csv"), news);
        java.nio.file.Files.writeString(tmp.resolve("params.txt"), "0.9\n");
        com.fasterxml.jackson.databind.JsonNode ref = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                .readTree(dev.unetscope.ReferencePython.run(tmp, "conformal_reference.py", tmp.toString(), "numpy and scikit-learn", 120));
        RidgePredictor ridge = new RidgePredictor();
        RidgePredictor.Conformal c = ridge.fitConformal(x, y, g);
        for (int k = 0; k < fresh.length; k++) {
            double[] b = c.bounds(fresh[k]);
            assertThat(b[0]).as("lo " + k).isCloseTo(ref.path("lo").get(k).asDouble(), within(1e-9));
            assertThat(b[1]).as("hi " + k).isCloseTo(ref.path("hi").get(k).asDouble(), within(1e-9));
        }
        CrossValidation cv = ridge.crossValidate(x, y, g);
        for (int i = 0; i < n; i++) {
            assertThat(cv.predicted()[i]).as("row " + i).isCloseTo(ref.path("cv_predicted").get(i).asDouble(), within(1e-9));
            assertThat(cv.lo()[i]).as("row " + i).isCloseTo(ref.path("cv_lo").get(i).asDouble(), within(1e-9));
            assertThat(cv.hi()[i]).as("row " + i).isCloseTo(ref.path("cv_hi").get(i).asDouble(), within(1e-9));
        }
        assertThat(cv.coverage()).isCloseTo(ref.path("cv_coverage").asDouble(), within(1e-12));
    }

    @Test
    void lambdaChosenByLeaveOneOutPrefersShrinkageOnNoise() {
        Random rng = new Random(9);
        int n = 30;
        double[][] x = new double[n][5];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 5; j++) x[i][j] = rng.nextGaussian();
            y[i] = rng.nextGaussian(); // no signal
        }
        RidgeModel m = new RidgePredictor().fit(x, y);
        assertThat(m.lambda()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void degenerateAndBadInput() {
        RidgeModel tiny = new RidgePredictor().fit(new double[][] {{1}, {2}, {3}}, new double[] {1, Double.NaN, 2});
        assertThat(tiny.defined()).isFalse();
        assertThat(tiny.predict(new double[] {1})).isNaN();
        assertThat(tiny.reason()).contains("dropped 1 of 3 rows").contains("fewer than 3 training rows");
        CrossValidation one = new RidgePredictor().crossValidate(LINE_X, LINE_Y, new int[] {1, 1, 1});
        assertThat(one.mae()).isNaN();
        assertThat(one.reason()).contains("at least 2 groups");

        assertThatThrownBy(() -> new RidgePredictor().fit(new double[][] {{1, 2}, {3}}, new double[] {1, 2}))
                .isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> new RidgePredictor().fit(LINE_X, new double[2])).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> new RidgePredictor(-1)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> new RidgePredictor(0).fit(LINE_X, LINE_Y).predict(new double[2]))
                .isInstanceOf(BadInputException.class);
    }
}
