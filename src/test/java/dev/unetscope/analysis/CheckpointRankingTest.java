package dev.unetscope.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CheckpointRankingTest {
    static CheckpointRanking.Candidate c(String id, double p, double half) {
        return new CheckpointRanking.Candidate(id, p, p - half, p + half);
    }

    @Test
    void ranksByPredictionAndMarksOverlappingIntervals() {
        // a: 0.80 +- 0.05 -> [0.75, 0.85]; b: 0.72 +- 0.05 -> hi 0.77 >= 0.75: overlaps; c: 0.60 -> hi 0.65: apart; d: no prediction
        List<CheckpointRanking.Ranked> r = CheckpointRanking.rank(List.of(c("c", 0.60, 0.05), c("a", 0.80, 0.05), c("d", Double.NaN, 0.05), c("b", 0.72, 0.05)));
        assertThat(r).extracting(x -> x.candidate().id()).containsExactly("a", "b", "c", "d");
        assertThat(r).extracting(CheckpointRanking.Ranked::rank).containsExactly(1, 2, 3, 4);
        assertThat(r).extracting(CheckpointRanking.Ranked::indistinguishable).containsExactly(true, true, false, false);
    }

    @Test
    void topOneAgreementAndRegretOnAHandBuiltTable() {
        // cohort x: the pick (a, predicted 0.8) is truly best (0.70 > 0.60, 0.50): agreement, regret 0
        // cohort y: the pick (a) has 0.55, b is truly best with 0.75: disagreement, regret 0.20; b overlaps a (0.72 + 0.05 >= 0.75)
        // cohort z: the pick (c) has 0.40, a is truly best with 0.70: regret 0.30, a's interval [0.45, 0.55] misses c's [0.85, 0.95]
        var x = new CheckpointRanking.Labelled("x", List.of(c("a", 0.80, 0.05), c("b", 0.72, 0.05), c("c", 0.60, 0.05)), new double[] {0.70, 0.60, 0.50});
        var y = new CheckpointRanking.Labelled("y", List.of(c("a", 0.80, 0.05), c("b", 0.72, 0.05), c("c", 0.60, 0.05)), new double[] {0.55, 0.75, 0.50});
        var z = new CheckpointRanking.Labelled("z", List.of(c("a", 0.50, 0.05), c("b", 0.30, 0.05), c("c", 0.90, 0.05)), new double[] {0.70, 0.60, 0.40});
        CheckpointRanking.Agreement a = CheckpointRanking.agreement(List.of(x, y, z));
        assertThat(a.cohorts()).isEqualTo(3);
        assertThat(a.top1()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(a.meanRegret()).isCloseTo((0 + 0.20 + 0.30) / 3, within(1e-12));
        assertThat(a.maxRegret()).isCloseTo(0.30, within(1e-12));
        assertThat(a.bestIndistinguishable()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(a.outcomes()).extracting(CheckpointRanking.Outcome::pick).containsExactly("a", "a", "c");
        assertThat(a.outcomes()).extracting(CheckpointRanking.Outcome::best).containsExactly("a", "b", "a");
        assertThat(a.reason()).isEmpty();
    }

    @Test
    void aTieInTrueIoUCountsAsAgreementAndACohortWithoutPredictionsIsSkipped() {
        var tie = new CheckpointRanking.Labelled("t", List.of(c("a", 0.6, 0.01), c("b", 0.5, 0.01)), new double[] {0.7, 0.7});
        var none = new CheckpointRanking.Labelled("n", List.of(c("a", Double.NaN, 0.01)), new double[] {0.7});
        CheckpointRanking.Agreement a = CheckpointRanking.agreement(List.of(tie, none));
        assertThat(a.cohorts()).isEqualTo(1);
        assertThat(a.top1()).isEqualTo(1.0);
        assertThat(a.meanRegret()).isZero();
        assertThat(a.reason()).contains("n");
    }

    @Test
    void caughtIsTheShareOfFailuresAmongTheLowestScores() {
        // 10 cases, failures at 0, 3 and 9; lowest scores in order: 0, 9, 5, 3, ...
        double[] score = {0.1, 0.9, 0.8, 0.4, 0.7, 0.3, 0.6, 0.5, 0.95, 0.2};
        boolean[] failed = {true, false, false, true, false, false, false, false, false, true};
        assertThat(FailureDetection.caught(score, failed, 0.1)).isCloseTo(1.0 / 3, within(1e-12)); // k = 1: case 0
        assertThat(FailureDetection.caught(score, failed, 0.2)).isCloseTo(2.0 / 3, within(1e-12)); // k = 2: cases 0, 9
        assertThat(FailureDetection.caught(score, failed, 0.4)).isCloseTo(1.0, within(1e-12)); // k = 4: 0, 9, 5, 3
        assertThat(FailureDetection.caught(score, failed, 0.15)).isCloseTo(2.0 / 3, within(1e-12)); // k = ceil(1.5) = 2
        assertThat(FailureDetection.caught(score, new boolean[10], 0.2)).isNaN();
    }
}
