package dev.unetscope.train;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.SegmentationNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchInferenceTest {

    /** A network that takes {@code channels} input channels and is never run. */
    private static SegmentationNetwork taking(int channels) {
        return new SegmentationNetwork() {
            public int inChannels() { return channels; }
            public List<Tap> taps() { return List.of(Tap.isotropic("enc1", 8, 2)); }
            public int[] sizeDivisor() { return new int[] {2, 2, 2}; }
            public Inference infer(float[] v, int b, int d, int h, int w, Set<String> t) { throw new AssertionError("not run"); }
            public void close() {}
        };
    }

    @Test
    void aNetworkWhoseInputChannelsDifferFromTheSetsIsRefusedNamingBothCounts() {
        PreparedSet set = new PreparedSet("test", List.of("c0"), List.of(new float[8]), null, 2, 2, 2);
        assertThatThrownBy(() -> BatchInference.run(taking(3), set, 2, Set.of(), (i, p, t) -> { }))
                .isInstanceOf(BadInputException.class)
                .hasMessage("the network takes 3 input channel(s) but set test's cases have 1"
                        + " (give scans with as many channels as the model was trained on (CASE_0000, CASE_0001, ... files))");
        PreparedSet two = new PreparedSet("two", List.of("c0"), List.of(new float[16]), null, 2, 2, 2, null, 2);
        assertThatThrownBy(() -> BatchInference.run(taking(1), two, 2, Set.of(), (i, p, t) -> { }))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("the network takes 1 input channel(s) but set two's cases have 2");
    }

    @Test
    void everyChannelOfACaseReachesTheNetworkChannelZeroFirst() {
        // two cases of 2 channels x 2 voxels: the network sees N x C x D x H x W in the set's order
        PreparedSet set = new PreparedSet("two", List.of("a", "b"), List.of(new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8}), null, 1, 1, 2, null, 2);
        float[][] seen = new float[1][];
        SegmentationNetwork net = new SegmentationNetwork() {
            public int inChannels() { return 2; }
            public List<Tap> taps() { return List.of(); }
            public int[] sizeDivisor() { return new int[] {1, 1, 1}; }
            public Inference infer(float[] v, int b, int d, int h, int w, Set<String> t) {
                seen[0] = v.clone();
                return new Inference(new float[b * d * h * w], java.util.Map.of());
            }
            public void close() {}
        };
        BatchInference.run(net, set, 2, Set.of(), (i, p, t) -> assertThat(p).hasSize(2));
        assertThat(seen[0]).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }
}
