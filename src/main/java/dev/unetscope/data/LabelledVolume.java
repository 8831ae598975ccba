package dev.unetscope.data;

import dev.unetscope.volume.Volume;

import java.util.ArrayList;
import java.util.List;

/**
 * A case read into memory: the image and its binary gland mask (0/1), on the same grid; mask may be
 * null for unlabelled sets. A case of several input channels holds channel 0 as {@code image} and
 * channels 1..C-1 in {@code more}, every one on the image's grid.
 */
public record LabelledVolume(String id, Volume image, Volume mask, List<Volume> more) {
    public LabelledVolume {
        more = more == null ? List.of() : List.copyOf(more);
    }

    /** A one-channel case. */
    public LabelledVolume(String id, Volume image, Volume mask) {
        this(id, image, mask, null);
    }

    public boolean labelled() {
        return mask != null;
    }

    /** Input channels of the case. */
    public int channels() {
        return 1 + more.size();
    }

    /** Every channel, channel 0 first. */
    public List<Volume> allChannels() {
        List<Volume> out = new ArrayList<>(channels());
        out.add(image);
        out.addAll(more);
        return out;
    }

    /** The channels' voxels one after the other (C x D x H x W, channel 0 first): the network's input. */
    public float[] stacked() {
        if (more.isEmpty()) return image.data();
        int vox = image.size();
        float[] out = new float[channels() * vox];
        System.arraycopy(image.data(), 0, out, 0, vox);
        for (int c = 0; c < more.size(); c++) System.arraycopy(more.get(c).data(), 0, out, (c + 1) * vox, vox);
        return out;
    }
}
