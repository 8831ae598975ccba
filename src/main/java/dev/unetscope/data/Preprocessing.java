package dev.unetscope.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;

import java.util.Arrays;

/**
 * The deterministic preparation every case gets before a network sees it, recorded in
 * {@code experiment.json}:
 * <ol>
 *   <li>non-finite voxels (NaN, Inf): refused with the file's name ({@link NonFinite#REFUSE}, the default), or replaced
 *       by the image's smallest finite value ({@link NonFinite#REPLACE_WITH_MIN});</li>
 *   <li>resample to {@code targetSpacing} mm (image trilinear, mask nearest), voxel edges aligned with the original field of view;</li>
 *   <li>normalise the intensities ({@link Normalization}; null means unetscope's own {@code zscore-otsu}: body = voxels
 *       above the Otsu threshold; centre = body median, scale = 1.4826 x body MAD (robust to bright outliers such as
 *       bladder or fat), then clip to +-{@code clip});</li>
 *   <li>crop or pad to {@code targetShape} about the image centre (image pads with the normalisation's pad value,
 *       {@code -clip} for {@code zscore-otsu}; mask with 0).</li>
 * </ol>
 * A null {@code targetSpacing} or {@code targetShape} skips that step. Spacing and shape are (x, y, z).
 */
public record Preprocessing(double[] targetSpacing, int[] targetShape, NonFinite nonFinite, double clip,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Normalization normalization,
                            @JsonInclude(JsonInclude.Include.NON_NULL) @com.fasterxml.jackson.annotation.JsonProperty("channel_normalizations")
                            java.util.List<Normalization> channelNormalizations) implements java.io.Serializable {

    public enum NonFinite { REFUSE, REPLACE_WITH_MIN }

    public Preprocessing {
        if (targetSpacing != null && (targetSpacing.length != 3 || Arrays.stream(targetSpacing).anyMatch(s -> !(s > 0)))) {
            throw new BadInputException("target spacing " + Arrays.toString(targetSpacing) + " is not three positive numbers", "give e.g. 1.5,1.5,3.6");
        }
        if (targetShape != null && (targetShape.length != 3 || Arrays.stream(targetShape).anyMatch(s -> s <= 0))) {
            throw new BadInputException("target shape " + Arrays.toString(targetShape) + " is not three positive integers", "give e.g. 64,64,24");
        }
        if (!(clip > 0)) throw new BadInputException("clip " + clip + " must be positive", "the default is 5");
        if (nonFinite == null) nonFinite = NonFinite.REFUSE;
        if (channelNormalizations != null) channelNormalizations = java.util.List.copyOf(channelNormalizations);
    }

    /** One normalisation for every channel. */
    public Preprocessing(double[] targetSpacing, int[] targetShape, NonFinite nonFinite, double clip, Normalization normalization) {
        this(targetSpacing, targetShape, nonFinite, clip, normalization, null);
    }

    /** Without a normalisation: the experiment's own, z-score inside the Otsu body. */
    public Preprocessing(double[] targetSpacing, int[] targetShape, NonFinite nonFinite, double clip) {
        this(targetSpacing, targetShape, nonFinite, clip, null);
    }

    public static Preprocessing of(double[] spacing, int[] shape) {
        return of(spacing, shape, NonFinite.REFUSE);
    }

    /** The defaults with a planned spacing and shape ({@link PreprocessingPlan}) and the non-finite policy the user chose. */
    public static Preprocessing of(double[] spacing, int[] shape, NonFinite nonFinite) {
        return new Preprocessing(spacing, shape, nonFinite, 5.0);
    }

    /** The normalisation applied: the recorded one, or {@link Normalization#DEFAULT} when none is recorded. */
    public Normalization normalizationOrDefault() {
        return normalization == null ? Normalization.DEFAULT : normalization;
    }

    /** The same preparation, NaN/Inf voxels replaced by the image's smallest finite value instead of refused. */
    public Preprocessing replacingNonFinite() {
        return new Preprocessing(targetSpacing, targetShape, NonFinite.REPLACE_WITH_MIN, clip, normalization, channelNormalizations);
    }

    /**
     * The normalisation of input channel {@code k}: its own where the model records one per channel
     * ({@code channelNormalizations}), else the one for every channel.
     */
    public Normalization normalizationOf(int k) {
        if (channelNormalizations != null && k < channelNormalizations.size() && channelNormalizations.get(k) != null) return channelNormalizations.get(k);
        return normalizationOrDefault();
    }

    /** The same preparation with a normalisation per input channel (a model's sidecar that records one each). */
    public Preprocessing withChannelNormalizations(java.util.List<Normalization> perChannel) {
        return new Preprocessing(targetSpacing, targetShape, nonFinite, clip, normalization, perChannel);
    }

    /** The same preparation with another spacing, shape and normalisation (a run's own, from its sidecar). */
    public Preprocessing with(double[] spacing, int[] shape, Normalization n) {
        return new Preprocessing(spacing, shape, nonFinite, clip, n);
    }

    /** @param source named in errors (the image file) */
    public LabelledVolume apply(LabelledVolume c, String source) {
        return apply(c, java.util.Collections.nCopies(c.channels(), source));
    }

    /**
     * Every input channel gets the same steps (resampled alike, cropped or padded alike), each
     * normalised on its own ({@link #normalizationOf}), as nnU-Net normalises each channel separately.
     *
     * @param sources named in errors, one per channel (the channel files)
     */
    public LabelledVolume apply(LabelledVolume c, java.util.List<String> sources) {
        Volume mask = c.mask();
        if (targetSpacing != null && mask != null) mask = Resample.nearest(mask, targetSpacing);
        if (targetShape != null && mask != null) mask = CropPad.toShape(mask, targetShape, 0f);
        java.util.List<Volume> in = c.allChannels(), out = new java.util.ArrayList<>(in.size());
        for (int k = 0; k < in.size(); k++) {
            String source = sources.get(k);
            Volume image = handleNonFinite(in.get(k), source);
            if (targetSpacing != null) image = Resample.linear(image, targetSpacing);
            Normalization n = normalizationOf(k);
            image = image.withData(n.apply(image.data(), clip, source));
            if (targetShape != null) image = CropPad.toShape(image, targetShape, n.padValue(image.data(), clip));
            out.add(image);
        }
        return new LabelledVolume(c.id(), out.get(0), mask, out.subList(1, out.size()));
    }

    private Volume handleNonFinite(Volume v, String source) {
        float[] d = v.data();
        long bad = 0;
        float min = Float.POSITIVE_INFINITY;
        for (float x : d) {
            if (!Float.isFinite(x)) bad++;
            else if (x < min) min = x;
        }
        if (bad == 0) return v;
        if (nonFinite == NonFinite.REFUSE || bad == d.length) {
            throw new BadInputException(java.nio.file.Path.of(source), bad + " of " + d.length + " voxels are NaN or infinite",
                    bad == d.length ? "the image holds no finite voxel; re-export it" : "re-export the image, or preprocess with nonFinite=REPLACE_WITH_MIN to replace them by the image minimum");
        }
        float[] out = d.clone();
        for (int i = 0; i < out.length; i++) if (!Float.isFinite(out[i])) out[i] = min;
        return v.withData(out);
    }

    static Volume zScoreInBody(Volume v, double clip, String source) {
        return v.withData(zScoreInBody(v.data(), clip, source));
    }

    static float[] zScoreInBody(float[] d, double clip, String source) {
        double threshold = Otsu.threshold(d);
        int n = 0;
        for (float x : d) if (x > threshold) n++;
        float[] body;
        if (n < 2) {
            body = d.clone();
        } else {
            body = new float[n];
            int k = 0;
            for (float x : d) if (x > threshold) body[k++] = x;
        }
        Arrays.sort(body);
        double median = quantileSorted(body, 0.5);
        float[] dev = new float[body.length];
        for (int i = 0; i < body.length; i++) dev[i] = (float) Math.abs(body[i] - median);
        Arrays.sort(dev);
        double scale = 1.4826 * quantileSorted(dev, 0.5);
        if (!(scale > 1e-12)) {
            double mean = 0, sq = 0;
            for (float x : body) mean += x;
            mean /= body.length;
            for (float x : body) sq += (x - mean) * (x - mean);
            scale = Math.sqrt(sq / body.length);
        }
        if (!(scale > 1e-12)) {
            throw new BadInputException(java.nio.file.Path.of(source), "image is constant (no contrast to normalise)", "check that the file holds the scan");
        }
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            double z = (d[i] - median) / scale;
            out[i] = (float) Math.max(-clip, Math.min(clip, z));
        }
        return out;
    }

    static double quantileSorted(float[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double f = pos - lo;
        return sorted[lo] * (1 - f) + sorted[hi] * f;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && Arrays.equals(targetSpacing, p.targetSpacing) && Arrays.equals(targetShape, p.targetShape)
                && nonFinite == p.nonFinite && clip == p.clip && java.util.Objects.equals(normalization, p.normalization)
                && java.util.Objects.equals(channelNormalizations, p.channelNormalizations);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(targetSpacing) * 31 + Arrays.hashCode(targetShape) * 7 + nonFinite.hashCode() + Double.hashCode(clip) + java.util.Objects.hashCode(normalization)
                + java.util.Objects.hashCode(channelNormalizations);
    }

    @Override
    public String toString() {
        return "Preprocessing[spacing=" + Arrays.toString(targetSpacing) + ", shape=" + Arrays.toString(targetShape) + ", nonFinite=" + nonFinite + ", clip=" + clip
                + ", normalization=" + normalizationOrDefault() + (channelNormalizations == null ? "" : ", per channel=" + channelNormalizations) + "]";
    }
}
