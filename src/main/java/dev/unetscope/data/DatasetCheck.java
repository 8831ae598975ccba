package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.LoadedVolume;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Checks every case of a dataset before any stage uses it, as nnU-Net's {@code verify_dataset_integrity}
 * does: each image and mask is read whole (header and voxels), one case at a time, so a fault in the
 * last case surfaces before the first training step, and memory does not grow with the number of
 * cases. The first fault is refused in one line naming the file and what to do
 * ({@link BadInputException}); what passes is summed up in a {@link Fingerprint} (each case's grid and
 * foreground), from which {@link PreprocessingPlan} plans the spacing and shape.
 * <p>
 * Per case: the image is 3D (no axis of one voxel), its spacing is positive and finite as the header
 * states it, its affine spans 3D space, its voxels are finite (or replaced, when the caller allows) and
 * not all equal; the mask has one channel, the image's shape, spacing and origin and direction (within
 * {@link Dataset#GRID_TOLERANCE_MM}), finite whole non-negative values, and only the values dataset.json
 * declares. Over the set: some case of a labelled set has foreground.
 */
public final class DatasetCheck {
    /** More distinct values than this in a mask: it is an image, not a label map. */
    static final int MAX_LABEL_VALUES = 256;

    private DatasetCheck() {}

    /**
     * @param labelsRequired   the set trains or evaluates: some case must have foreground
     * @param readLabels       read and check the masks (false where they are never used, as by predict)
     * @param replaceNonFinite NaN/Inf image voxels are allowed (the preprocessing replaces them); else refused
     * @param nonFiniteRemedy  what the refusal tells the user to do, naming the option that replaces them
     */
    public record Settings(boolean labelsRequired, boolean readLabels, boolean replaceNonFinite, String nonFiniteRemedy) {
        /** The option demo, shift and predict offer for NaN/Inf voxels. */
        public static final String OPTION = "--replace-non-finite";
        public static final String REMEDY = "re-export the image, or pass " + OPTION + " to replace them with the image's smallest finite value";

        public static Settings training(boolean replaceNonFinite) {
            return new Settings(true, true, replaceNonFinite, REMEDY);
        }

        public static Settings query(boolean replaceNonFinite, String remedy) {
            return new Settings(false, true, replaceNonFinite, remedy);
        }
    }

    /** One case as read: its grid, its non-finite image voxels, (where labelled) its gland voxels, and its image file's channel count. */
    public record CaseFingerprint(String id, int[] dims, double[] spacing, long nonFinite, long foreground, int channels) {
        /** A one-channel case. */
        public CaseFingerprint(String id, int[] dims, double[] spacing, long nonFinite, long foreground) {
            this(id, dims, spacing, nonFinite, foreground, 1);
        }
    }

    /** What the check saw: every case's grid and the label values present over the set. */
    public record Fingerprint(Path root, List<CaseFingerprint> cases, SortedSet<Integer> labelValues) {
        /** The per-axis median voxel size over the cases, as nnU-Net's target spacing. */
        public double[] medianSpacing() {
            double[] out = new double[3];
            for (int a = 0; a < 3; a++) {
                final int axis = a;
                double[] v = cases.stream().mapToDouble(c -> c.spacing()[axis]).sorted().toArray();
                int n = v.length;
                out[a] = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            }
            return out;
        }

        public long nonFiniteCases() {
            return cases.stream().filter(c -> c.nonFinite() > 0).count();
        }

        public long foregroundCases() {
            return cases.stream().filter(c -> c.foreground() > 0).count();
        }
    }

    /** Reads every case of {@code ds} in order and refuses the first fault. */
    public static Fingerprint run(Dataset ds, Settings s) {
        SortedSet<Integer> declared = ds.declaredLabels();
        Path declaredIn = ds.root().resolve("dataset.json");
        if (declared != null && !ds.labels().values().isEmpty() && !declared.containsAll(ds.labels().values())) {
            TreeSet<Integer> extra = new TreeSet<>(ds.labels().values());
            extra.removeAll(declared);
            throw new BadInputException(declaredIn, "declares label values " + join(declared) + " but --labels names " + join(extra),
                    "give --labels from the declared values, or 'all'");
        }
        List<CaseFingerprint> out = new ArrayList<>();
        SortedSet<Integer> values = new TreeSet<>();
        boolean anyLabel = false;
        for (Case c : ds.cases()) {
            LoadedVolume image = VolumeIO.load(c.image(), ds.channel());
            Volume img = image.volume();
            grid(c.image(), image, "image");
            long nonFinite = voxels(c.image(), img, s);
            for (int k = 1; k < c.channels().size(); k++) {
                LoadedVolume more = VolumeIO.load(c.channels().get(k), 0);
                if (more.channels() > 1) {
                    throw new BadInputException(c.channels().get(k), "channel file has " + more.channels() + " channels", "save each input channel as its own 3D file");
                }
                grid(c.channels().get(k), more, "image");
                Dataset.channel(c, k, img);
                nonFinite += voxels(c.channels().get(k), more.volume(), s);
            }
            long foreground = 0;
            if (c.labelled() && s.readLabels()) {
                anyLabel = true;
                LoadedVolume label = VolumeIO.load(c.label(), 0);
                if (label.channels() > 1) {
                    throw new BadInputException(c.label(), "mask has " + label.channels() + " channels", "a mask is one 3D label map; save channel 0 alone");
                }
                pairing(c, img, label.volume());
                grid(c.label(), label, "mask");
                foreground = labels(c.label(), label.volume(), declared, declaredIn, ds.labels(), values);
            }
            out.add(new CaseFingerprint(c.id(), img.dims(), img.spacing(), nonFinite, foreground, image.channels()));
        }
        if (s.labelsRequired() && anyLabel && out.stream().allMatch(c -> c.foreground() == 0)) {
            Path where = ds.layout().equals("decathlon") ? declaredIn : ds.root().resolve("labels");
            throw new BadInputException(where, "no case has foreground: the masks hold only the values " + join(values) + ", none of which is gland under --labels "
                    + ds.labels(), values.stream().anyMatch(v -> v > 0) ? "choose --labels from the values present" : "check that the masks are the right files; there is nothing to learn");
        }
        return new Fingerprint(ds.root(), List.copyOf(out), values);
    }

    /** 3D, positive finite spacing as the header states it, an affine that spans 3D space. */
    private static void grid(Path file, LoadedVolume lv, String what) {
        Volume v = lv.volume();
        int[] d = v.dims();
        if (d[0] == 1 || d[1] == 1 || d[2] == 1) {
            throw new BadInputException(file, what + " is 2D (" + v.dimsString() + " voxels)", "unetscope needs 3D volumes; give the whole stack of slices as one file");
        }
        double[] sp = lv.headerSpacing();
        for (int a = 0; a < 3; a++) {
            if (!(sp[a] > 0) || !Double.isFinite(sp[a])) {
                throw new BadInputException(file, what + " has a degenerate voxel size " + mm(sp) + " (a zero or non-finite spacing)",
                        "write the true voxel size into the header (NIfTI pixdim, MetaImage ElementSpacing)");
            }
        }
        double[] a = v.affine();
        for (double x : a) {
            if (!Double.isFinite(x)) {
                throw new BadInputException(file, what + " has a non-finite affine (voxel-to-world matrix)", "fix the header's orientation (sform/qform, or TransformMatrix and Offset)");
            }
        }
        double det = a[0] * (a[5] * a[10] - a[6] * a[9]) - a[1] * (a[4] * a[10] - a[6] * a[8]) + a[2] * (a[4] * a[9] - a[5] * a[8]);
        double scale = Math.abs(sp[0] * sp[1] * sp[2]);
        if (!(Math.abs(det) > 1e-6 * scale)) {
            throw new BadInputException(file, what + " has a degenerate affine (determinant " + num(det)
                    + "): its axes do not span 3D space", "fix the header's orientation (sform/qform, or TransformMatrix)");
        }
    }

    /** Counts non-finite voxels (refused unless allowed) and refuses an image with no contrast. */
    private static long voxels(Path file, Volume v, Settings s) {
        long bad = 0;
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float x : v.data()) {
            if (!Float.isFinite(x)) {
                bad++;
                continue;
            }
            if (x < min) min = x;
            if (x > max) max = x;
        }
        if (bad == v.size()) throw new BadInputException(file, "image holds no finite voxel (all " + bad + " are NaN or infinite)", "re-export the image");
        if (bad > 0 && !s.replaceNonFinite()) {
            throw new BadInputException(file, bad + " of " + v.size() + " image voxels are NaN or infinite", s.nonFiniteRemedy());
        }
        if (!(max > min)) throw new BadInputException(file, "image is constant (every voxel is " + min + ")", "check that the file holds the scan");
        return bad;
    }

    /** The mask on its image's grid: shape, spacing, origin and direction, each named when it differs. */
    private static void pairing(Case c, Volume image, Volume mask) {
        String img = c.image().getFileName().toString();
        String redraw = "the mask must be drawn on its image's grid: resample it, or fix the pairing";
        if (!mask.sameDims(image)) {
            throw new BadInputException(c.label(), "mask shape " + mask.dimsString() + " differs from its image's " + image.dimsString() + " (" + img + ")", redraw);
        }
        double tol = Dataset.GRID_TOLERANCE_MM;
        double[] ms = mask.spacing(), is = image.spacing();
        for (int a = 0; a < 3; a++) {
            if (Math.abs(ms[a] - is[a]) > tol) {
                throw new BadInputException(c.label(), "mask spacing " + mm(ms) + " differs from its image's " + mm(is) + " (" + img + ")", redraw);
            }
        }
        double[] ma = mask.affine(), ia = image.affine();
        for (int r = 0; r < 3; r++) {
            if (Math.abs(ma[4 * r + 3] - ia[4 * r + 3]) > tol) {
                throw new BadInputException(c.label(), "mask origin " + origin(ma) + " differs from its image's " + origin(ia) + " mm (" + img + ")", redraw);
            }
        }
        for (int i = 0; i < 16; i++) {
            if (Math.abs(ma[i] - ia[i]) > tol) {
                throw new BadInputException(c.label(), "mask orientation (affine directions) differs from its image's (" + img + ")", redraw);
            }
        }
    }

    /** Whole, finite, non-negative, declared values; returns the gland voxels under the label merge. */
    private static long labels(Path file, Volume mask, SortedSet<Integer> declared, Path declaredIn, LabelMerge merge, SortedSet<Integer> seen) {
        SortedSet<Integer> here = new TreeSet<>();
        long foreground = 0, nonFinite = 0;
        float fraction = Float.NaN;
        for (float x : mask.data()) {
            if (!Float.isFinite(x)) {
                nonFinite++;
                continue;
            }
            if (x != Math.rint(x)) {
                if (Float.isNaN(fraction)) fraction = x;
                continue;
            }
            if (here.size() <= MAX_LABEL_VALUES) here.add((int) x);
            if (merge.isGland(x)) foreground++;
        }
        if (nonFinite > 0) throw new BadInputException(file, "mask holds " + nonFinite + " NaN or infinite voxels", "a mask holds whole label values; re-export it");
        if (here.size() > MAX_LABEL_VALUES) {
            throw new BadInputException(file, "mask holds more than " + MAX_LABEL_VALUES + " distinct values: it looks like an image, not a label map", "check that labels and images are not swapped");
        }
        if (!Float.isNaN(fraction)) {
            throw new BadInputException(file, "mask holds values that are not whole numbers (e.g. " + fraction + ")",
                    "a label map holds whole values; resample masks with nearest-neighbour interpolation, not linear");
        }
        SortedSet<Integer> negative = here.headSet(0);
        if (!negative.isEmpty()) throw new BadInputException(file, "mask holds negative label values " + join(negative), "labels are 0 (background) and positive integers");
        if (declared != null && !declared.containsAll(here)) {
            TreeSet<Integer> extra = new TreeSet<>(here);
            extra.removeAll(declared);
            throw new BadInputException(file, "mask holds label values " + join(extra) + " that " + declaredIn.getFileName() + " does not declare (it declares " + join(declared) + ")",
                    "declare them under \"labels\" in dataset.json, or fix the mask");
        }
        seen.addAll(here);
        return foreground;
    }

    /** The replacement {@link Settings#OPTION} makes before a shift: NaN/Inf become the image's smallest finite value. */
    public static Volume replaceNonFinite(Volume v) {
        float min = Float.POSITIVE_INFINITY;
        boolean any = false;
        for (float x : v.data()) {
            if (!Float.isFinite(x)) any = true;
            else if (x < min) min = x;
        }
        if (!any) return v;
        float[] out = v.data().clone();
        for (int i = 0; i < out.length; i++) if (!Float.isFinite(out[i])) out[i] = min;
        return v.withData(out);
    }

    private static String join(SortedSet<Integer> s) {
        return String.join(", ", s.stream().map(String::valueOf).toList());
    }

    private static String mm(double[] s) {
        return num(s[0]) + " x " + num(s[1]) + " x " + num(s[2]) + " mm";
    }

    private static String origin(double[] a) {
        return "(" + num(a[3]) + ", " + num(a[7]) + ", " + num(a[11]) + ")";
    }

    /** A number as a person writes it: up to 4 decimals, no trailing zeros. */
    private static String num(double v) {
        String t = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
        return t.equals("-0") ? "0" : t;
    }

}
