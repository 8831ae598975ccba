package dev.unetscope.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.analysis.FailureDetection.Detection;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

class FailureDetectionTest {
    // case:     0    1    2    3    4
    // score:   .9   .8   .7   .6   .5
    // IoU:     .9   .5   .8   .6   .95   -> failed (IoU < .7): 1 and 3; loss 1-IoU: .1 .5 .2 .4 .05
    private static final double[] S = {0.9, 0.8, 0.7, 0.6, 0.5};
    private static final double[] IOU = {0.9, 0.5, 0.8, 0.6, 0.95};

    @Test
    void handComputed() {
        Detection d = FailureDetection.evaluate(S, IOU);
        assertThat(d.n()).isEqualTo(5);
        assertThat(d.failures()).isEqualTo(2);
        assertThat(d.threshold()).isEqualTo(0.7);
        // failed scores {.8, .6} vs good {.9, .7, .5}: failed lower in (.8,.9) (.6,.9) (.6,.7) = 3 of 6
        assertThat(d.auroc()).isCloseTo(0.5, within(1e-15));
        // accept by descending score: cases 0 1 2 3 4, failures 0 1 0 1 0
        // risks 0/1, 1/2, 1/3, 2/4, 2/5 -> sum 1.733333 -> AURC 0.3466667
        assertThat(d.aurcFailure()).isCloseTo((0 + 0.5 + 1.0 / 3 + 0.5 + 0.4) / 5, within(1e-15));
        // losses .1 .5 .2 .4 .05: cumulative .1 .6 .8 1.2 1.25 -> risks .1 .3 .266667 .3 .25 -> 0.2433333
        assertThat(d.aurcLoss()).isCloseTo((0.1 + 0.3 + 0.8 / 3 + 0.3 + 0.25) / 5, within(1e-15));
        // oracle: cases 4 0 2 3 1 -> failures 0 0 0 1 1: risks 0 0 0 1/4 2/5 -> 0.13
        assertThat(d.oracleAurcFailure()).isCloseTo(0.65 / 5, within(1e-15));
        // oracle loss: cumulative .05 .15 .35 .75 1.25 -> .05 .075 .116667 .1875 .25 -> 0.1358333
        assertThat(d.oracleAurcLoss()).isCloseTo((0.05 + 0.075 + 0.35 / 3 + 0.1875 + 0.25) / 5, within(1e-15));
        assertThat(d.reason()).isEmpty();
    }

    @Test
    void perfectAndReversedScores() {
        // the score equals the IoU: failures are exactly the lowest scores
        Detection good = FailureDetection.evaluate(IOU, IOU);
        assertThat(good.auroc()).isEqualTo(1.0);
        assertThat(good.aurcFailure()).isCloseTo(good.oracleAurcFailure(), within(1e-15));
        assertThat(good.aurcLoss()).isCloseTo(good.oracleAurcLoss(), within(1e-15));
        double[] neg = new double[IOU.length];
        for (int i = 0; i < neg.length; i++) neg[i] = -IOU[i];
        assertThat(FailureDetection.evaluate(neg, IOU).auroc()).isEqualTo(0.0);
    }

    @Test
    void tiesCountHalfAndDoNotDependOnOrder() {
        // two cases with the same score, one failed: AUROC 1/2;
        // AURC: block of 2 with loss 1 -> risk(1) = (1/2)/1, risk(2) = 1/2 -> 0.5 whatever the order
        assertThat(FailureDetection.auroc(new double[] {3, 3}, new boolean[] {true, false})).isEqualTo(0.5);
        assertThat(FailureDetection.aurc(new double[] {3, 3}, new double[] {1, 0})).isEqualTo(0.5);
        assertThat(FailureDetection.aurc(new double[] {3, 3}, new double[] {0, 1})).isEqualTo(0.5);
        // a tie below a clean case: score 5 (loss 0), then 2,2 (losses 1, 0)
        // risk(1) = 0, risk(2) = (0 + 1/2)/2 = 1/4, risk(3) = 1/3 -> (0 + 1/4 + 1/3)/3 = 7/36
        assertThat(FailureDetection.aurc(new double[] {2, 5, 2}, new double[] {1, 0, 0})).isCloseTo(7.0 / 36, within(1e-15));
    }

    @Test
    void undefinedAndBadInput() {
        Detection none = FailureDetection.evaluate(S, new double[] {0.9, 0.9, 0.8, 0.75, 0.99});
        assertThat(none.failures()).isZero();
        assertThat(none.auroc()).isNaN();
        assertThat(none.reason()).contains("no case has IoU < 0.7");
        assertThat(none.aurcFailure()).isZero();

        Detection all = FailureDetection.evaluate(S, new double[] {0.1, 0.2, 0.3, 0.4, 0.5});
        assertThat(all.auroc()).isNaN();
        assertThat(all.reason()).contains("every case");

        Detection dropped = FailureDetection.evaluate(new double[] {0.9, Double.NaN, 0.8, 0.7, 0.6, 0.5},
                new double[] {0.9, 0.1, 0.5, 0.8, 0.6, Double.NaN}, 0.7);
        assertThat(dropped.n()).isEqualTo(4);
        assertThat(dropped.reason()).contains("dropped 2 of 6 cases");

        Detection empty = FailureDetection.evaluate(new double[0], new double[0]);
        assertThat(empty.auroc()).isNaN();
        assertThat(empty.aurcLoss()).isNaN();

        assertThatThrownBy(() -> FailureDetection.evaluate(new double[2], new double[3])).isInstanceOf(BadInputException.class);
    }
}
