package dev.unetscope.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CorrelationTest {
    private static final double[] X = {1, 2, 3, 4, 5};
    private static final double[] Y = {2, 1, 4, 3, 5};

    @Test
    void pearsonByHand() {
        // centred x = -2 -1 0 1 2, centred y = -1 -2 1 0 2: sum xy = 2+2+0+0+4 = 8, sxx = syy = 10, r = 0.8
        // t = 0.8 sqrt(3 / 0.36) = 2.3094 with 3 df; a = t/sqrt(3) = 4/3:
        // p = 1 - (2/pi)(atan(4/3) + (4/3)/(1 + 16/9)) = 1 - (2/pi)(0.9272952 + 0.48) = 0.1040880
        Estimate e = Correlation.pearson(X, Y);
        assertThat(e.method()).isEqualTo("pearson");
        assertThat(e.n()).isEqualTo(5);
        assertThat(e.value()).isCloseTo(0.8, within(1e-15));
        double a = 4.0 / 3;
        assertThat(e.p()).isCloseTo(1 - 2 / Math.PI * (Math.atan(a) + a / (1 + a * a)), within(1e-12));
        assertThat(e.reason()).isEmpty();
        assertThat(e.lo()).isNaN(); // no bootstrap in the static helpers
    }

    @Test
    void spearmanByHand() {
        // the values are their own ranks, so rho = r = 0.8 and the same t-approximation p
        Estimate e = Correlation.spearman(X, Y);
        assertThat(e.value()).isCloseTo(0.8, within(1e-15));
        assertThat(e.p()).isCloseTo(0.10408803866182788, within(1e-12));
        // ties get average ranks: x = 1 1 2 -> 1.5 1.5 3
        assertThat(Ranks.average(new double[] {1, 1, 2})).containsExactly(1.5, 1.5, 3);
    }

    @Test
    void kendallExactByHand() {
        // 10 pairs; discordant: (1,2) and (3,4) in x order, so C = 8, D = 2, tau = (8-2)/10 = 0.6
        // exact p: permutations of 5 with <= 2 inversions = 1 + 4 + 9 = 14 of 120; two-sided 28/120
        Estimate e = Correlation.kendall(X, Y);
        assertThat(e.value()).isCloseTo(0.6, within(1e-15));
        assertThat(e.p()).isCloseTo(28.0 / 120, within(1e-15));
    }

    @Test
    void kendallTauBWithTiesByHand() {
        // x = 1 1 2 3, y = 1 2 2 3: pairs (1,2) tied in x, (2,3) tied in y, the other 4 concordant
        // tau-b = 4 / sqrt((6-1)(6-1)) = 0.8. Ties -> asymptotic p: m = n(n-1) = 12,
        // var = (12*13 - 18 - 18)/18 + 2*1*1/12 + 0 = 6.8333, z = 4/sqrt(6.8333) = 1.53018,
        // p = erfc(z / sqrt 2) = 0.125971 (scipy: 0.12597116307723114)
        Estimate e = Correlation.kendall(new double[] {1, 1, 2, 3}, new double[] {1, 2, 2, 3});
        assertThat(e.value()).isCloseTo(0.8, within(1e-15));
        double z = 4 / Math.sqrt((12 * 13 - 36) / 18.0 + 2.0 / 12);
        assertThat(e.p()).isCloseTo(org.apache.commons.math3.special.Erf.erfc(z / Math.sqrt(2)), within(1e-15));
        assertThat(e.p()).isCloseTo(0.12597116307723114, within(1e-12));
    }

    @Test
    void kendallCountsMatchBruteForce() {
        Random rng = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int n = 3 + rng.nextInt(40);
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rng.nextInt(6);
                y[i] = rng.nextInt(6);
            }
            long con = 0, dis = 0, xt = 0, yt = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double s = Math.signum(x[i] - x[j]) * Math.signum(y[i] - y[j]);
                    if (s > 0) con++;
                    if (s < 0) dis++;
                    if (x[i] == x[j]) xt++;
                    if (y[i] == y[j]) yt++;
                }
            }
            long tot = (long) n * (n - 1) / 2;
            double want = (con - dis) / Math.sqrt((double) (tot - xt) * (tot - yt));
            assertThat(Correlation.kendall(x, y).value()).as("trial " + trial).isCloseTo(want, within(1e-12));
        }
    }

    @Test
    void badDataGivesNaNWithReason() {
        Estimate two = Correlation.pearson(new double[] {1, 2}, new double[] {3, 4});
        assertThat(two.value()).isNaN();
        assertThat(two.p()).isNaN();
        assertThat(two.reason()).contains("fewer than 3 pairs");

        List<Estimate> flat = new Correlation().estimate(new double[] {1, 2, 3, 4}, new double[] {5, 5, 5, 5});
        assertThat(flat).hasSize(3).allSatisfy(e -> {
            assertThat(e.value()).isNaN();
            assertThat(e.lo()).isNaN();
            assertThat(e.defined()).isFalse();
            assertThat(e.reason()).contains("y is constant");
        });

        // NaN pairs dropped first and counted: what is left is the hand case above
        double[] x = {1, Double.NaN, 2, 3, 4, 5, 7};
        double[] y = {2, 0, 1, 4, 3, 5, Double.POSITIVE_INFINITY};
        Estimate e = Correlation.pearson(x, y);
        assertThat(e.n()).isEqualTo(5);
        assertThat(e.value()).isCloseTo(0.8, within(1e-15));
        assertThat(e.reason()).contains("dropped 2 of 7 pairs");

        assertThatThrownBy(() -> Correlation.pearson(new double[3], new double[4])).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> new Correlation().estimate(X, Y, new int[2])).isInstanceOf(BadInputException.class);
    }

    @Test
    void withinGroupByHand() {
        // group 0: x 1 2 3, y 10 12 11 -> centred x -1 0 1, y -1 1 0
        // group 1: x 5 6 7, y 0 1 2   -> centred x -1 0 1, y -1 0 1
        // sum xy = 1 + 0 + 0 + 1 + 0 + 1 = 3; sxx = 4; syy = 2 + 2 = 4; r = 3/4
        // p: t-test with n - G - 1 = 6 - 2 - 1 = 3 df: t = 0.75 sqrt(3 / 0.4375), p = 0.1442936
        double[] x = {1, 2, 3, 5, 6, 7, 9};
        double[] y = {10, 12, 11, 0, 1, 2, 4};
        int[] g = {0, 0, 0, 1, 1, 1, 2}; // group 2 has one pair: dropped
        List<Estimate> w = new Correlation(200, 1, 0.95).withinGroup(x, y, g);
        Estimate r = w.get(0);
        assertThat(r.method()).isEqualTo("pearson_within");
        assertThat(r.n()).isEqualTo(6);
        assertThat(r.value()).isCloseTo(0.75, within(1e-15));
        assertThat(r.p()).isCloseTo(0.14429361281438743, within(1e-12));
        assertThat(r.reason()).contains("dropped 1 groups with a single pair");
        // raw correlation across groups is negative: the offsets dominate
        assertThat(Correlation.pearson(x, y).value()).isLessThan(-0.5);
        // with two groups every resample is group 0, group 1 or both: values in [0.5, 1]
        assertThat(r.lo()).isBetween(0.0, 0.75);
        assertThat(r.hi()).isBetween(0.75, 1.0);
    }

    @Test
    void withinGroupOfAGroupLevelMetricIsUndefined() {
        // x is one value per checkpoint repeated over its query sets (0.1 three times does not
        // centre to exactly 0 in floating point): no within-group variation, so NaN, not noise
        double[] x = {0.1, 0.1, 0.1, 0.7, 0.7, 0.7};
        double[] y = {0.3, 0.5, 0.4, 0.9, 0.2, 0.6};
        int[] g = {0, 0, 0, 1, 1, 1};
        List<Estimate> w = new Correlation().withinGroup(x, y, g);
        assertThat(w).allSatisfy(e -> {
            assertThat(e.value()).isNaN();
            assertThat(e.reason()).contains("x is constant within every group");
        });
        assertThatThrownBy(() -> new Correlation().withinGroup(x, y, null)).isInstanceOf(BadInputException.class);
    }

    @Test
    void bootstrapContainsEstimateIsSeededAndNarrowsWithData() {
        double[][] small = StatsReferenceTest.correlated(new Random(1), 30, 0.6, 0, 1);
        double[][] large = StatsReferenceTest.correlated(new Random(1), 300, 0.6, 0, 1);
        Correlation c = new Correlation(); // 2000 resamples, seed 0
        List<Estimate> a = c.estimate(small[0], small[1]);
        List<Estimate> b = c.estimate(small[0], small[1]);
        List<Estimate> other = new Correlation(2000, 99, 0.95).estimate(small[0], small[1]);
        List<Estimate> big = c.estimate(large[0], large[1]);
        for (int m = 0; m < 3; m++) {
            Estimate e = a.get(m);
            assertThat(e.lo()).as(e.method()).isLessThan(e.value());
            assertThat(e.hi()).as(e.method()).isGreaterThan(e.value());
            assertThat(b.get(m)).as("same seed, same interval").isEqualTo(e);
            assertThat(other.get(m).lo()).as("another seed").isNotEqualTo(e.lo());
            double narrow = big.get(m).hi() - big.get(m).lo(), wide = e.hi() - e.lo();
            // width shrinks about as 1/sqrt(n): sqrt(10) ~ 3.2
            assertThat(narrow).as(e.method()).isLessThan(wide / 2);
            assertThat(big.get(m).lo()).isLessThan(big.get(m).value());
            assertThat(big.get(m).hi()).isGreaterThan(big.get(m).value());
        }
        // one pair per group is the same as no groups (clusters are taken in order of appearance)
        int[] ids = new int[30];
        for (int i = 0; i < 30; i++) ids[i] = 100 + i;
        assertThat(c.estimate(small[0], small[1], ids)).isEqualTo(a);
    }

    @Test
    void bootstrapResamplesWholeGroups() {
        // 10 groups of 6 identical copies of one pair: resampling groups sees 10 points,
        // resampling pairs sees 60 and gives a far too narrow interval
        double[][] base = StatsReferenceTest.correlated(new Random(5), 10, 0.5, 0, 1);
        double[] x = new double[60], y = new double[60];
        int[] g = new int[60];
        for (int i = 0; i < 60; i++) {
            x[i] = base[0][i / 6];
            y[i] = base[1][i / 6];
            g[i] = i / 6;
        }
        Correlation c = new Correlation(1000, 0, 0.95);
        Estimate grouped = c.estimate(x, y, g).get(0), pairs = c.estimate(x, y).get(0);
        assertThat(grouped.value()).isEqualTo(pairs.value());
        assertThat(grouped.hi() - grouped.lo()).isGreaterThan(1.5 * (pairs.hi() - pairs.lo()));
    }

    @Test
    void bootstrapFromRanksGivesTheBoundsOfSortingEveryResample() {
        // tied values (rounded to a coarse grid), both zeros and groups of several pairs: the bootstrap ranks a
        // resample by its points' ranks in the whole sample; the plain way draws the same clusters and sorts each
        // resample anew through the static estimators; the bounds must be the same doubles
        Random rnd = new Random(11);
        int n = 90;
        double[] x = new double[n], y = new double[n];
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.round(rnd.nextGaussian() * 3) / 2.0;
            y[i] = Math.round((0.5 * x[i] + rnd.nextGaussian()) * 4) / 4.0;
            if (i % 17 == 0) x[i] = -0.0;
            if (i % 13 == 0) x[i] = 0.0;
            g[i] = i / 3;
        }
        int resamples = 300;
        long seed = 7;
        List<Estimate> fast = new Correlation(resamples, seed, 0.9).estimate(x, y, g);
        int groups = n / 3;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        double[][] values = new double[3][resamples];
        for (int b = 0; b < resamples; b++) {
            double[] bx = new double[n], by = new double[n];
            int k = 0;
            for (int j = 0; j < groups; j++) {
                int c = rng.nextInt(groups);
                for (int i = 3 * c; i < 3 * c + 3; i++) {
                    bx[k] = x[i];
                    by[k++] = y[i];
                }
            }
            values[0][b] = Correlation.pearson(bx, by).value();
            values[1][b] = Correlation.spearman(bx, by).value();
            values[2][b] = Correlation.kendall(bx, by).value();
        }
        for (int m = 0; m < 3; m++) {
            double[] v = values[m].clone();
            java.util.Arrays.sort(v);
            assertThat(fast.get(m).lo()).as(fast.get(m).method()).isEqualTo(Correlation.quantile(v, 0.05));
            assertThat(fast.get(m).hi()).as(fast.get(m).method()).isEqualTo(Correlation.quantile(v, 0.95));
        }
    }

    @Test
    void ranksByHand() {
        // scipy.stats.rankdata([3, -0.0, 1, 0.0, 3, 3], 'average') = [5, 1.5, 3, 1.5, 5, 5]
        assertThat(Ranks.average(new double[] {3, -0.0, 1, 0.0, 3, 3})).containsExactly(5, 1.5, 3, 1.5, 5, 5);
        assertThat(Ranks.dense(new double[] {3, -0.0, 1, 0.0, 3, 3})).containsExactly(3, 1, 2, 1, 3, 3);
        // the same from ranks that only order them (gaps allowed): 7 > 4 > 2
        assertThat(Ranks.averageOfRanks(new int[] {7, 2, 4, 2, 7, 7})).containsExactly(5, 1.5, 3, 1.5, 5, 5);
    }

    @Test
    void quantileInterpolatesAsNumpy() {
        // numpy.percentile([1, 2, 3, 4], 25) = 1 + 0.75 * (2 - 1) = 1.75
        assertThat(Correlation.quantile(new double[] {1, 2, 3, 4}, 0.25)).isEqualTo(1.75);
        assertThat(Correlation.quantile(new double[] {1, 2, 3, 4}, 1)).isEqualTo(4);
    }
}
