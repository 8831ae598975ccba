package dev.unetscope.data;

import dev.unetscope.io.BadInputException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The spacing and shape a dataset is prepared to, planned from its {@link DatasetCheck.Fingerprint}
 * as nnU-Net plans from its dataset fingerprint, so that preprocessing does not silently change the
 * task (a fixed crop once cut away most of a whole-head field of view):
 * <ul>
 *   <li>spacing: the per-axis median voxel size of the cases (or {@code --spacing});</li>
 *   <li>shape: the largest extent of any case resampled to that spacing (so no case is cropped),
 *       rounded up to the network's size multiple (or {@code --shape}, whose crop is then checked by
 *       {@link CropLoss});</li>
 *   <li>budget: at most {@code maxVoxels} voxels per volume; a planned shape above it coarsens the
 *       planned spacing (all axes by one factor) until it fits, and says so; with {@code --spacing} given
 *       and no {@code --shape}, a shape above the budget is refused.</li>
 * </ul>
 *
 * @param spacing      target voxel size in mm (x, y, z)
 * @param shape        target shape in voxels (x, y, z)
 * @param spacingFrom  how the spacing was chosen, in words
 * @param shapeFrom    how the shape was chosen, in words
 * @param extent       the largest resampled extent over the cases (x, y, z), before rounding
 * @param multiple     the network's size multiple the planned shape is rounded up to
 * @param maxVoxels    the budget in voxels per volume
 * @param coarsened    the factor the median spacing was multiplied by to fit the budget (1: none)
 * @param cases        cases in the fingerprint
 */
public record PreprocessingPlan(double[] spacing, int[] shape, String spacingFrom, String shapeFrom, int[] extent, int multiple, long maxVoxels,
                                double coarsened, int cases) {
    /**
     * 2^21 voxels (128 x 128 x 128) per volume: the demo network (8-16-32-64, two residual sub-units,
     * instance norm, PReLU) trains at batch 2 on such volumes in about 2 GiB peak RSS (measured
     * 1.93 GiB, 9.7 s per step on 2 cores; 0.43 GiB at 96 x 96 x 24), activations growing linearly
     * with the voxels.
     */
    public static final long DEFAULT_MAX_VOXELS = 1L << 21;

    /**
     * @param fp        the checked dataset
     * @param spacing   explicit target spacing, or null to plan it
     * @param shape     explicit target shape, or null to plan it
     * @param multiple  the network's size multiple (product of its strides)
     * @param maxVoxels the budget in voxels per volume
     */
    public static PreprocessingPlan of(DatasetCheck.Fingerprint fp, double[] spacing, int[] shape, int multiple, long maxVoxels) {
        if (maxVoxels < 1) throw new BadInputException("--max-voxels " + maxVoxels + " must be positive", "the default is " + DEFAULT_MAX_VOXELS);
        if (multiple < 1) throw new IllegalArgumentException("size multiple " + multiple);
        if (spacing != null && (spacing.length != 3 || Arrays.stream(spacing).anyMatch(v -> !(v > 0) || !Double.isFinite(v)))) {
            throw new BadInputException("--spacing " + Arrays.toString(spacing) + " is not three positive numbers", "give e.g. 1.5,1.5,3.6");
        }
        if (shape != null && (shape.length != 3 || Arrays.stream(shape).anyMatch(v -> v <= 0))) {
            throw new BadInputException("--shape " + Arrays.toString(shape) + " is not three positive integers", "give e.g. 64,64,24");
        }
        int n = fp.cases().size();
        double[] target = spacing != null ? spacing.clone() : fp.medianSpacing();
        String spacingFrom = spacing != null ? "--spacing" : "median of " + n + " cases";
        int[] extent = extent(fp, target);
        if (shape != null) {
            return new PreprocessingPlan(target, shape.clone(), spacingFrom, "--shape", extent, multiple, maxVoxels, 1, n);
        }
        int[] planned = roundUp(extent, multiple);
        double factor = 1;
        if (voxels(planned) > maxVoxels) {
            if (spacing != null) {
                throw new BadInputException("at --spacing " + mm(target) + " the shape that holds every case is " + dims(planned) + " = " + voxels(planned)
                        + " voxels, above the budget of " + maxVoxels + " (--max-voxels)",
                        "give a coarser --spacing, a --shape (its crop is checked for lost foreground), or raise --max-voxels");
            }
            double[] base = target.clone();
            factor = Math.cbrt((double) voxels(planned) / maxVoxels);
            while (true) {
                for (int a = 0; a < 3; a++) target[a] = base[a] * factor;
                extent = extent(fp, target);
                planned = roundUp(extent, multiple);
                if (voxels(planned) <= maxVoxels) break;
                factor *= 1.02;
            }
            spacingFrom += String.format(Locale.ROOT, ", coarsened x%.3f to fit %d voxels", factor, maxVoxels);
        }
        String shapeFrom = "largest resampled extent " + dims(extent) + " rounded up to a multiple of " + multiple;
        return new PreprocessingPlan(target, planned, spacingFrom, shapeFrom, extent, multiple, maxVoxels, factor, n);
    }

    /** The largest size of any case resampled to {@code target}, counted as {@link Resample} counts it. */
    static int[] extent(DatasetCheck.Fingerprint fp, double[] target) {
        int[] out = new int[3];
        for (DatasetCheck.CaseFingerprint c : fp.cases()) {
            for (int a = 0; a < 3; a++) out[a] = Math.max(out[a], Resample.size(c.dims()[a], c.spacing()[a], target[a]));
        }
        return out;
    }

    private static int[] roundUp(int[] e, int multiple) {
        int[] out = new int[3];
        for (int a = 0; a < 3; a++) out[a] = Math.max(multiple, (e[a] + multiple - 1) / multiple * multiple);
        return out;
    }

    public long voxels() {
        return voxels(shape);
    }

    private static long voxels(int[] s) {
        return (long) s[0] * s[1] * s[2];
    }

    /** One line for the person: the plan and where each part came from. */
    public String describe() {
        return String.format(Locale.ROOT, "spacing %s (%s), shape %s (%s); %d voxels per volume, budget %d", mm(spacing), spacingFrom, dims(shape), shapeFrom,
                voxels(), maxVoxels);
    }

    /** As recorded in experiment.json under {@code plan}. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spacing", spacing);
        m.put("spacing_from", spacingFrom);
        m.put("shape", shape);
        m.put("shape_from", shapeFrom);
        m.put("largest_extent", extent);
        m.put("size_multiple", multiple);
        m.put("max_voxels", maxVoxels);
        m.put("coarsened", coarsened);
        m.put("cases", cases);
        return m;
    }

    static String mm(double[] s) {
        return String.format(Locale.ROOT, "%sx%sx%s mm", num(s[0]), num(s[1]), num(s[2]));
    }

    private static String num(double v) {
        String t = String.format(Locale.ROOT, "%.4f", v);
        return t.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String dims(int[] d) {
        return d[0] + "x" + d[1] + "x" + d[2];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessingPlan p && Arrays.equals(spacing, p.spacing) && Arrays.equals(shape, p.shape) && spacingFrom.equals(p.spacingFrom)
                && shapeFrom.equals(p.shapeFrom) && Arrays.equals(extent, p.extent) && multiple == p.multiple && maxVoxels == p.maxVoxels
                && coarsened == p.coarsened && cases == p.cases;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(spacing) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "PreprocessingPlan[" + describe() + "]";
    }
}
