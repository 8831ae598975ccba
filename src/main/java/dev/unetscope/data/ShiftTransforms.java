package dev.unetscope.data;

import dev.unetscope.data.phantom.AppearanceOps;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.volume.Volume;

/**
 * Applies the image-level shift knobs to any volume (a real cohort as well as a phantom), so that
 * the same named shift can be put on any data set. Pure: the input is never modified.
 *
 * <p>Order: blur, bias, noise, gamma, scale/offset (acquisition-like effects first, then
 * post-processing of the magnitude image). {@code gland_contrast} is phantom-only and ignored here.
 * See {@link Shift} for each knob's meaning. The phantom generator uses the same primitives
 * ({@link AppearanceOps}) in the same order, with its own known base noise and its own bias field.
 */
public final class ShiftTransforms {
    private ShiftTransforms() {}

    /**
     * The image under {@code shift}; {@code seed} seeds the added bias field and noise. A shift whose
     * image knobs are all neutral returns {@code image} itself.
     */
    public static Volume apply(Volume image, Shift shift, long seed) {
        return apply(image, shift, seed, seed);
    }

    /**
     * A case of several input channels under {@code shift}: every channel gets the same knobs, the same
     * blur and the same bias field (one scanner, one coil); the noise of channel 0 is drawn as
     * {@link #apply(Volume, Shift, long)} draws it, that of channel k from its own stream (each
     * acquisition has its own noise). The mask is kept.
     */
    public static LabelledVolume applyToEveryChannel(LabelledVolume c, Shift shift, long seed) {
        java.util.List<Volume> more = new java.util.ArrayList<>();
        for (int k = 0; k < c.more().size(); k++) more.add(apply(c.more().get(k), shift, seed, AppearanceOps.mix(seed, 100 + k + 1)));
        return new LabelledVolume(c.id(), apply(c.image(), shift, seed), c.mask(), more);
    }

    private static Volume apply(Volume image, Shift shift, long seed, long noiseSeed) {
        Shift s = shift.imageKnobsOnly();
        if (s.isNeutral()) return image;
        Volume v = image;
        if (s.blur() > 0) v = AppearanceOps.blurMm(v, AppearanceOps.blurSigmasMm(v.spacing(), s.blur()));
        if (s.bias() != 1) {
            float[] f = AppearanceOps.unitBiasField(v.nx(), v.ny(), v.nz(), v.spacing(), AppearanceOps.mix(seed, 1));
            v = AppearanceOps.multiplyLogField(v, f, (s.bias() - 1) * AppearanceOps.BIAS_LOG_AMPLITUDE);
        }
        if (s.noise() > 1) {
            double ref = AppearanceOps.NOISE_REF * AppearanceOps.robustScale(v.data());
            v = AppearanceOps.addRician(v, ref * Math.sqrt(s.noise() * s.noise() - 1), AppearanceOps.mix(noiseSeed, 2));
        }
        if (s.gamma() != 1) v = AppearanceOps.gamma(v, s.gamma());
        if (s.scale() != 1 || s.offset() != 0) v = AppearanceOps.scaleOffset(v, s.scale(), s.offset());
        return v;
    }
}
