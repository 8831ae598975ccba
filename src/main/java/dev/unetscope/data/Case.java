package dev.unetscope.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One case of a dataset, by reference: its image file and, where the set is labelled, its mask file.
 * A case of C co-registered input channels (nnU-Net's {@code CASE_0000.nii.gz}, {@code CASE_0001.nii.gz},
 * ...) lists every channel's file in {@code channels}, channel 0 first ({@code image} is channel 0's);
 * a one-channel case lists its image alone.
 */
public record Case(String id, Path image, Path label, List<Path> channels) {
    public Case {
        channels = channels == null ? List.of(image) : List.copyOf(channels);
        if (!channels.get(0).equals(image)) throw new IllegalArgumentException("channel 0 of " + id + " is not its image");
    }

    /** A one-channel case. */
    public Case(String id, Path image, Path label) {
        this(id, image, label, null);
    }

    public boolean labelled() {
        return label != null;
    }
}
