package dev.unetscope.metrics;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AverageThresholdedConfidenceTest {
    private static BitSet mask(float[] p) {
        BitSet b = new BitSet();
        for (int i = 0; i < p.length; i++) if (p[i] >= 0.5f) b.set(i);
        return b;
    }

    // case A: p = 0.9, 0.7, 0.55 (predicted gland, confidences 0.9, 0.7, 0.55) and 0.2, 0.4, 0.05 (background, 0.8, 0.6, 0.95)
    static final float[] A = {0.9f, 0.7f, 0.55f, 0.2f, 0.4f, 0.05f};
    // case B: p = 0.99 (gland, 0.99) and 0.3 (background, 0.7)
    static final float[] B = {0.99f, 0.3f};

    @Test
    void estimateByHand() {
        // t = 0.65: confident gland 0.9, 0.7 (2); unconfident background 0.6 (1): 2 / (3 + 1)
        assertThat(AverageThresholdedConfidence.estimate(A, mask(A), 0.65)).isEqualTo(0.5);
        // t = 0.75: confident gland 0.9 (1); unconfident background 0.6 (1): 1 / 4
        assertThat(AverageThresholdedConfidence.estimate(A, mask(A), 0.75)).isEqualTo(0.25);
        // t = 0.5: every gland voxel confident, no background voxel at or below: 1
        assertThat(AverageThresholdedConfidence.estimate(A, mask(A), 0.5)).isEqualTo(1.0);
        assertThat(AverageThresholdedConfidence.estimate(A, mask(A), 1.0)).isEqualTo(0.0);
        // nothing predicted and every voxel confident: 0, not 0 / 0
        float[] none = {0.1f, 0.2f};
        assertThat(AverageThresholdedConfidence.estimate(none, mask(none), 0.6)).isEqualTo(0.0);
        // the sorted form gives the same
        AverageThresholdedConfidence atc = AverageThresholdedConfidence.of(List.of(A, B), List.of(mask(A), mask(B)));
        assertThat(atc.estimate(0, 0.65)).isEqualTo(0.5);
        assertThat(atc.estimate(1, 0.8)).isEqualTo(0.5); // B: 0.99 confident of 1 gland voxel; background 0.7 unconfident
    }

    @Test
    void thresholdFittedToTheValidationIoUByHand() {
        // A alone: atc(t) = 1 on [0.5, 0.55), 2/3 on [0.55, 0.6), 1/2 on [0.6, 0.7): for IoU 0.5, t* = 0.6
        AverageThresholdedConfidence a = AverageThresholdedConfidence.of(List.of(A), List.of(mask(A)));
        double t = a.fit(0.5);
        assertThat(t).isCloseTo(0.6, within(1e-6));
        assertThat(a.meanEstimate(t)).isEqualTo(0.5);
        assertThat(a.meanEstimate(t - 1e-6)).isEqualTo(2.0 / 3);
        // A and B: mean atc on [0.6, 0.7) is (1/2 + 1) / 2 = 0.75, on [0.7, 0.8) (1/4 + 1/2) / 2 = 0.375: for IoU 0.5, t* = 0.7
        AverageThresholdedConfidence ab = AverageThresholdedConfidence.of(List.of(A, B), List.of(mask(A), mask(B)));
        double t2 = ab.fit(0.5);
        assertThat(t2).isCloseTo(0.7, within(1e-6));
        assertThat(ab.meanEstimate(t2)).isEqualTo(0.375);
        // an IoU at or above the estimate at t = 0.5 gives 0.5
        assertThat(ab.fit(1.0)).isEqualTo(0.5);
    }

    @Test
    void sortedAndOnePassFormsAgreeOnRandomCases() {
        Random r = new Random(3);
        for (int k = 0; k < 20; k++) {
            float[] p = new float[200];
            for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
            AverageThresholdedConfidence atc = AverageThresholdedConfidence.of(List.of(p), List.of(mask(p)));
            double t = 0.5 + 0.5 * r.nextDouble();
            assertThat(atc.estimate(0, t)).isEqualTo(AverageThresholdedConfidence.estimate(p, mask(p), t));
        }
    }
}
