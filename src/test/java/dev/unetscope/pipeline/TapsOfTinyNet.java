package dev.unetscope.pipeline;

import java.util.List;

/** The taps of the tests' tiny network (channels 8-16-32) in network order, and each one's input layer. */
final class TapsOfTinyNet {
    private TapsOfTinyNet() {}

    // MONAI's topology: the top up layer gives the logits, not a tap
    static final List<String> LAYERS = List.of("enc1", "enc2", "bottleneck", "dec2");
    static final List<String> INPUTS = List.of("image", "enc1", "enc2", "bottleneck");
}
