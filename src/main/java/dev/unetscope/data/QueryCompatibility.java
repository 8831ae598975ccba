package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.LoadedVolume;
import dev.unetscope.volume.VolumeIO;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Is a new cohort the kind of scan the network was trained on? Checked before any scoring, from the
 * cohort's {@link DatasetCheck} fingerprint (which has read every image already) against the training
 * cases' files:
 * <ul>
 *   <li>every image must be readable and have as many channels as the training images (another
 *       channel count is another modality or another export: refused in one line);</li>
 *   <li>a voxel spacing far outside the training range on any axis (below min / {@link #SPACING_FACTOR}
 *       or above max x {@link #SPACING_FACTOR}) is a warning naming the case and the range: the images
 *       are resampled to the training grid, but such a resampling changes what the network sees;</li>
 *   <li>labels in the folder are never read; that they are there is said.</li>
 * </ul>
 */
public final class QueryCompatibility {
    /** How far outside the training spacing range (as a factor) a case is warned about. */
    public static final double SPACING_FACTOR = 1.5;

    private QueryCompatibility() {}

    /**
     * @param channels training images' channel count
     * @param spacingMin per-axis smallest training spacing (mm)
     * @param spacingMax per-axis largest training spacing (mm)
     * @param warnings   one line per case with a spacing far outside the training range
     * @param labels     a note when the query folder holds labels (none are used), else null
     */
    public record Report(int channels, double[] spacingMin, double[] spacingMax, List<String> warnings, String labels) {}

    /** Checks {@code query}, as {@code seen} by the data check, against the training cases {@code trainIds} of {@code training}. */
    public static Report check(Dataset training, List<String> trainIds, Dataset query, DatasetCheck.Fingerprint seen) {
        double[] min = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        double[] max = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        int channels = -1;
        var byId = training.byId();
        for (String id : trainIds) {
            Case c = byId.get(id);
            if (c == null) continue;
            LoadedVolume v = VolumeIO.load(c.image(), training.channel());
            if (channels < 0) channels = v.channels();
            double[] s = v.volume().spacing();
            for (int a = 0; a < 3; a++) {
                min[a] = Math.min(min[a], s[a]);
                max[a] = Math.max(max[a], s[a]);
            }
        }
        List<String> warnings = new ArrayList<>();
        var queryById = query.byId();
        for (DatasetCheck.CaseFingerprint c : seen.cases()) {
            if (channels > 0 && c.channels() != channels) {
                throw new BadInputException(queryById.get(c.id()).image(), "has " + c.channels() + " channel(s), the training images have " + channels,
                        "give images of the modality the network was trained on (same channels), or convert them");
            }
            double[] s = c.spacing();
            for (int a = 0; a < 3 && channels > 0; a++) {
                if (s[a] < min[a] / SPACING_FACTOR || s[a] > max[a] * SPACING_FACTOR) {
                    warnings.add(String.format(Locale.ROOT, "warning: case %s has voxel spacing %s mm, far outside the training range %s to %s mm: "
                            + "its prediction is less trustworthy", c.id(), mm(s), mm(min), mm(max)));
                    break;
                }
            }
        }
        long labelled = query.cases().stream().filter(Case::labelled).count();
        String labels = labelled == 0 ? null : query.root() + " holds labels for " + labelled + " of " + query.size()
                + " cases: none were read (predict uses the images only)";
        return new Report(channels, min, max, warnings, labels);
    }

    static String mm(double[] s) {
        return g(s[0]) + " x " + g(s[1]) + " x " + g(s[2]);
    }

    /** Three significant digits without trailing zeros: 3, 0.625, 12.5. */
    static String g(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
