package dev.unetscope.train;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.SegmentationNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

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
    void aNetworkWithSeveralInputChannelsIsRefusedNamingTheCount() {
        PreparedSet set = new PreparedSet("test", List.of("c0"), List.of(new float[8]), null, 2, 2, 2);
        assertThatThrownBy(() -> BatchInference.run(taking(3), set, 2, Set.of(), (i, p, t) -> { }))
                .isInstanceOf(BadInputException.class)
                .hasMessage("the network takes 3 input channels; multi-channel input is not supported yet (set test holds one image per case)"
                        + " (analyse a network trained on one input channel)");
    }
}
