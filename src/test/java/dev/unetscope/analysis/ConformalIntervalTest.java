package dev.unetscope.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

/** The conformal quantile's rank rule and the jackknife+ bounds on cases small enough to count by hand. */
class ConformalIntervalTest {
    @Test
    void rankRule() {
        // ceil(0.9 (n + 1)): n = 9 -> 9 (the largest), n = 8 -> ceil(8.1) = 9 > n (infinite), n = 19 -> 18; exact products are not
        // pushed up by rounding (0.9 x 10 is 9.000000000000002 in doubles)
        assertThat(ConformalInterval.upperRank(9, 0.9)).isEqualTo(9);
        assertThat(ConformalInterval.upperRank(8, 0.9)).isEqualTo(9);
        assertThat(ConformalInterval.upperRank(19, 0.9)).isEqualTo(18);
        assertThat(ConformalInterval.lowerRank(9, 0.9)).isEqualTo(1);
        assertThat(ConformalInterval.lowerRank(8, 0.9)).isEqualTo(0);
        assertThat(ConformalInterval.lowerRank(19, 0.9)).isEqualTo(2);
    }

    @Test
    void quantilesByHand() {
        double[] scores = {0.5, 0.1, 0.4, 0.2, 0.3, 0.9, 0.7, 0.6, 0.8}; // n = 9: 0.1 .. 0.9
        assertThat(ConformalInterval.upper(scores, 0.9)).isEqualTo(0.9); // rank 9
        assertThat(ConformalInterval.upper(scores, 0.8)).isEqualTo(0.8); // ceil(0.8 x 10) = 8
        assertThat(ConformalInterval.upper(scores, 0.75)).isEqualTo(0.8); // ceil(7.5) = 8
        assertThat(ConformalInterval.lower(scores, 0.8)).isEqualTo(0.2); // floor(0.2 x 10) = 2
        assertThat(ConformalInterval.upper(new double[] {3, 1, 2}, 0.9)).isEqualTo(Double.POSITIVE_INFINITY); // ceil(3.6) = 4 > 3
        assertThat(ConformalInterval.lower(new double[] {3, 1, 2}, 0.9)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void boundsByHand() {
        // two folds: mu 1.0 with residuals 0.1 0.3, mu 2.0 with residuals 0.2 0.4 0.5; n = 5, level 0.6: lower rank floor(0.4 x 6) = 2,
        // upper rank 6 - 2 = 4. minus 0.9 0.7 1.8 1.6 1.5 -> 0.7 0.9 1.5 1.6 1.8, 2nd = 0.9; plus 1.1 1.3 2.2 2.4 2.5 -> 4th = 2.4
        ConformalInterval c = new ConformalInterval(0.6, new double[][] {{0.1, 0.3}, {0.2, 0.4, 0.5}});
        assertThat(c.bounds(new double[] {1.0, 2.0})).containsExactly(new double[] {0.9, 2.4}, within(1e-12));
        // a fold that cannot predict leaves its residuals out: mu 1.0 alone, n = 2, lower rank floor(0.4 x 3) = 1, upper 2: [0.7, 1.3]
        assertThat(c.bounds(new double[] {1.0, Double.NaN})).containsExactly(new double[] {0.7, 1.3}, within(1e-12));
        assertThat(c.bounds(new double[] {Double.NaN, Double.NaN})).containsOnly(Double.NaN);
        // non-finite residuals (rows that could not be predicted) are dropped when built
        assertThat(new ConformalInterval(0.9, new double[][] {{0.1, Double.NaN}}).residuals(0)).containsExactly(0.1);
        assertThatThrownBy(() -> new ConformalInterval(1.0, new double[0][])).isInstanceOf(BadInputException.class);
    }
}
