package dev.unetscope.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ObjectivesTest {
    static final float LN3 = (float) Math.log(3); // sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4
    static final double EPS = 1e-5;

    /** Four voxels, one sample: p = 3/4, 1/2, 1/4, 1/2 against t = 1, 1, 0, 0. */
    static final float[] X4 = {LN3, 0, -LN3, 0};
    static final float[] T4 = {1, 1, 0, 0};

    private static double loss(Objective o, float[] x, float[] t, Shape shape) {
        try (NDManager m = NDManager.newBaseManager()) {
            return o.loss(m.create(x, shape), m.create(t, shape)).getFloat();
        }
    }

    @Test
    void diceIsPerSampleThenMean() {
        // sample A: p = (3/4, 1/4), t = (1, 0): 2*sum(pt) = 1.5, sum p + sum t = 1 + 1 = 2
        //   loss_A = 1 - (1.5 + eps) / (2 + eps)
        // sample B: p = (1/2, 1/2), t = (1, 1): 2*sum(pt) = 2, sum p + sum t = 1 + 2 = 3
        //   loss_B = 1 - (2 + eps) / (3 + eps)
        // mean = (0.25 + 0.3333) / 2 = 0.2917 (pooling both samples would give 1 - 3.5/5 = 0.30)
        double a = 1 - (1.5 + EPS) / (2 + EPS), b = 1 - (2 + EPS) / (3 + EPS);
        double got = loss(new SoftDiceLoss(), new float[] {LN3, -LN3, 0, 0}, new float[] {1, 0, 1, 1},
                new Shape(2, 1, 1, 1, 2));
        assertThat(got).isCloseTo((a + b) / 2, within(1e-6));
        assertThat(got).isCloseTo(0.291667, within(1e-5));
    }

    @Test
    void diceOfEmptyPredictionOnEmptyTargetIsZero() {
        // p ~ 0, t = 0: (0 + eps) / (0 + eps) = 1, loss 0 (no NaN)
        assertThat(loss(new SoftDiceLoss(), new float[] {-30, -30}, new float[] {0, 0}, new Shape(1, 1, 1, 1, 2)))
                .isCloseTo(0, within(1e-4));
    }

    @Test
    void bceByHand() {
        // -log(3/4) = 0.287682 (voxels 1 and 3), -log(1/2) = 0.693147 (voxels 2 and 4)
        // mean = (2 * 0.287682 + 2 * 0.693147) / 4 = 0.490415
        double expected = (2 * -Math.log(0.75) + 2 * Math.log(2)) / 4;
        assertThat(loss(new BinaryCrossEntropyLoss(), X4, T4, new Shape(1, 1, 1, 2, 2)))
                .isCloseTo(expected, within(1e-6)).isCloseTo(0.490415, within(1e-6));
    }

    @Test
    void bceIsStableForHugeLogits() {
        // x = 100, t = 0: max(x,0) - 0 + log(1 + e^-100) = 100; x = -100, t = 0: 0 + log(1 + e^-100) ~ 0
        assertThat(loss(new BinaryCrossEntropyLoss(), new float[] {100, -100}, new float[] {0, 0},
                new Shape(1, 1, 1, 1, 2))).isCloseTo(50, within(1e-4));
    }

    @Test
    void focalByHand() {
        // (1 - p_t)^2 * bce: p_t = 3/4 -> 1/16 * 0.287682 = 0.017980 (voxels 1, 3)
        //                    p_t = 1/2 -> 1/4 * 0.693147 = 0.173287 (voxels 2, 4)
        // mean = (2 * 0.017980 + 2 * 0.173287) / 4 = 0.095634
        double expected = (2 * Math.log(4.0 / 3) / 16 + 2 * Math.log(2) / 4) / 4;
        assertThat(loss(new FocalLoss(), X4, T4, new Shape(1, 1, 1, 2, 2)))
                .isCloseTo(expected, within(1e-6)).isCloseTo(0.095634, within(1e-6));
    }

    @Test
    void tverskyByHandWeighsMissesMore() {
        // p = 3/4, 1/2, 1/4, 1/2 against t = 1, 1, 1, 0:
        // TP = 3/4 + 1/2 + 1/4 = 1.5, FP = 1/2, FN = 1/4 + 1/2 + 3/4 = 1.5
        // 1 - (1.5 + eps) / (1.5 + 0.3 * 0.5 + 0.7 * 1.5 + eps) = 1 - 1.5/2.7 = 0.444444
        // (alpha and beta swapped would give 1 - 1.5/2.3 = 0.347826)
        double expected = 1 - (1.5 + EPS) / (2.7 + EPS);
        assertThat(loss(new TverskyLoss(), X4, new float[] {1, 1, 1, 0}, new Shape(1, 1, 1, 2, 2)))
                .isCloseTo(expected, within(1e-6)).isCloseTo(0.444444, within(1e-5));
    }

    /**
     * The gradient does not change when the Java heap is collected between the forward and the backward pass and the
     * freed direct memory is taken again: a number multiplied in through DJL's {@code mul(Number)} lived on a direct
     * buffer that the engine's graph still read in the backward pass after the buffer was freed (the demo's focal run
     * moved from step 95 on under the serial collector); {@link Losses#constant} holds it in the step's manager.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dice", "bce", "focal", "tversky"})
    void aCollectionBetweenForwardAndBackwardLeavesTheGradientAlone(String name) throws Exception {
        Objective o = Objectives.byName(name);
        float[] quiet = gradient(o, false), churned = gradient(o, true);
        assertThat(churned).as(name).containsExactly(quiet);
        assertThat(quiet[1]).as("the gradient is there").isNegative();
    }

    private static float[] gradient(Objective o, boolean churn) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X4, new Shape(1, 1, 1, 2, 2));
            NDArray t = m.create(T4, new Shape(1, 1, 1, 2, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = o.loss(x, t);
                if (churn) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(20);
                    }
                    java.util.List<java.nio.ByteBuffer> junk = new java.util.ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
                        b.putLong(0, 0x4120_0000_4120_0000L); // 10.0f twice: what a freed scalar would read
                        junk.add(b);
                    }
                }
                gc.backward(l);
            }
            return x.getGradient().toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dice", "bce", "focal", "tversky"})
    void gradientsFlowToTheLogits(String name) {
        Objective o = Objectives.byName(name);
        assertThat(o.name()).isEqualTo(name);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X4, new Shape(1, 1, 1, 2, 2));
            NDArray t = m.create(T4, new Shape(1, 1, 1, 2, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(o.loss(x, t));
            }
            float[] g = x.getGradient().toFloatArray();
            double norm = 0;
            for (float v : g) {
                assertThat(Float.isFinite(v)).as("finite gradient %s", v).isTrue();
                norm += v * v;
            }
            assertThat(norm).isGreaterThan(1e-6);
            // raising a foreground logit must lower the loss
            assertThat(g[1]).isNegative();
        }
    }

    @Test
    void unknownNameListsTheValidOnes() {
        assertThatThrownBy(() -> Objectives.byName("jaccard")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("jaccard").hasMessageContaining("dice, bce, focal, tversky");
        assertThat(Objectives.byName(" Dice ")).isInstanceOf(SoftDiceLoss.class);
    }
}
