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
        RidgeModel.Prediction q = m.interval(new double[] {0});
        assertThat(q.hi() - q.value()).isCloseTo(RidgePredictor.DEFAULT_Z * Math.sqrt(56.0 / 9), within(1e-12));
    }

    @Test
    void leaveOneGroupOutByHand() {
        // one row per group, intercept only: fold "leave y_i out" predicts the mean of the other three
        // y=1: train 2 3 6, mean 11/3, |err| 8/3; LOO of the fold (y - 11/3)*3/2 = -2.5 -1 3.5,
        //      MSE 6.5, half-width 1.96*2.55 = 5.0 -> covered
        // y=2: train 1 3 6, mean 10/3, |err| 4/3; LOO -3.5 -.5 4, MSE 9.5, half-width 6.04 -> covered
        // y=3: train 1 2 6, mean 3, |err| 0 -> covered
        // y=6: train 1 2 3, mean 2, |err| 4; LOO -1.5 0 1.5, MSE 1.5, half-width 1.96*1.2247 = 2.40 -> missed
        // MAE = (8/3 + 4/3 + 0 + 4)/4 = 2; coverage 3/4
        double[][] x = {{5}, {5}, {5}, {5}};
        double[] y = {1, 2, 3, 6};
        CrossValidation cv = new RidgePredictor().crossValidate(x, y, new int[] {0, 1, 2, 3});
        assertThat(cv.folds()).isEqualTo(4);
        assertThat(cv.n()).isEqualTo(4);
        assertThat(cv.mae()).isCloseTo(2, within(1e-12));
        assertThat(cv.coverage()).isEqualTo(0.75);
        assertThat(cv.predicted()[3]).isCloseTo(2, within(1e-12));
        assertThat(cv.hi()[3] - cv.predicted()[3]).isCloseTo(RidgePredictor.DEFAULT_Z * Math.sqrt(1.5), within(1e-12));
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
    void intervalCoversAboutNinetyFivePercentOnExchangeableData() {
        Random rng = new Random(8);
        int n = 200;
        double[][] x = new double[n][3];
        double[] y = new double[n];
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) x[i][j] = rng.nextGaussian();
            y[i] = 0.6 + 0.05 * x[i][0] - 0.03 * x[i][1] + 0.02 * rng.nextGaussian();
            g[i] = i % 10;
        }
        CrossValidation cv = new RidgePredictor().crossValidate(x, y, g);
        assertThat(cv.n()).isEqualTo(n);
        assertThat(cv.mae()).isBetween(0.012, 0.020); // noise sd 0.02: E|e| = 0.02 sqrt(2/pi) = 0.016
        assertThat(cv.coverage()).isBetween(0.88, 1.0);
        assertThat(cv.meanHalfWidth()).isCloseTo(1.96 * 0.02, within(0.01));
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
