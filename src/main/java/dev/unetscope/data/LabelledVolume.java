package dev.unetscope.data;

import dev.unetscope.volume.Volume;

/** A case read into memory: the image and its binary gland mask (0/1), on the same grid; mask may be null for unlabelled sets. */
public record LabelledVolume(String id, Volume image, Volume mask) {
    public boolean labelled() {
        return mask != null;
    }
}
