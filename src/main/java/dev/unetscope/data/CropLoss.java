package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How much foreground the crop of {@link Preprocessing} cuts away: per case, the fraction of gland
 * voxels of the resampled mask that fall outside the centred target shape. A crop that loses more than
 * {@link #MAX_FRACTION} of some case's foreground is refused unless the user allows it, so
 * preprocessing never silently turns the task into an easier one.
 */
public final class CropLoss {
    /** 1% of a case's label voxels. */
    public static final double MAX_FRACTION = 0.01;
    public static final String ALLOW_OPTION = "--allow-crop-loss";

    private CropLoss() {}

    /** One case: gland voxels after resampling and the fraction of them the crop removes. */
    public record CaseLoss(String id, long foreground, long lost) {
        public double fraction() {
            return foreground == 0 ? 0 : (double) lost / foreground;
        }
    }

    /** Every labelled case of {@code ds}, its mask read, resampled and cropped as {@code prep} would, one case at a time. */
    public static List<CaseLoss> measure(Dataset ds, Preprocessing prep) {
        List<CaseLoss> out = new ArrayList<>();
        for (Case c : ds.cases()) {
            if (!c.labelled()) continue;
            Volume raw = dev.unetscope.volume.VolumeIO.read(c.label(), 0);
            float[] r = raw.data();
            float[] m = new float[r.length];
            for (int i = 0; i < m.length; i++) m[i] = ds.labels().isGland(r[i]) ? 1f : 0f;
            out.add(of(c.id(), raw.withData(m), prep));
        }
        return out;
    }

    /** The loss of one binary mask under {@code prep}'s resampling and crop. */
    static CaseLoss of(String id, Volume mask, Preprocessing prep) {
        Volume v = prep.targetSpacing() == null ? mask : Resample.nearest(mask, prep.targetSpacing());
        int[] n = v.dims();
        int[] shape = prep.targetShape() == null ? n : prep.targetShape();
        int[] start = new int[3];
        for (int a = 0; a < 3; a++) start[a] = Math.floorDiv(n[a] - shape[a], 2); // as CropPad
        float[] d = v.data();
        long total = 0, lost = 0;
        for (int z = 0; z < n[2]; z++) {
            boolean iz = z >= start[2] && z < start[2] + shape[2];
            for (int y = 0; y < n[1]; y++) {
                boolean iy = iz && y >= start[1] && y < start[1] + shape[1];
                for (int x = 0; x < n[0]; x++) {
                    if (d[x + n[0] * (y + n[1] * z)] <= 0.5f) continue;
                    total++;
                    if (!(iy && x >= start[0] && x < start[0] + shape[0])) lost++;
                }
            }
        }
        return new CaseLoss(id, total, lost);
    }

    /** Refuses when some case loses more than {@link #MAX_FRACTION} of its foreground, unless {@code allowed}. */
    public static void check(Dataset ds, List<CaseLoss> losses, Preprocessing prep, boolean allowed) {
        List<CaseLoss> above = losses.stream().filter(l -> l.fraction() > MAX_FRACTION).sorted(Comparator.comparingDouble(CaseLoss::fraction).reversed()).toList();
        if (above.isEmpty() || allowed || prep.targetShape() == null) return;
        CaseLoss worst = above.get(0);
        Case c = ds.byId().get(worst.id());
        throw new BadInputException(c.label(), String.format(Locale.ROOT, "the crop to %s at %s loses %.1f%% of this case's label voxels (%d of %d)%s",
                PreprocessingPlan.dims(prep.targetShape()), prep.targetSpacing() == null ? "the images' own spacing" : PreprocessingPlan.mm(prep.targetSpacing()), 100 * worst.fraction(), worst.lost(), worst.foreground(),
                above.size() > 1 ? String.format(Locale.ROOT, "; %d cases lose more than %.0f%%", above.size(), 100 * MAX_FRACTION) : ""),
                "drop --shape to let the plan choose a shape that holds every case, give a larger --shape or a coarser --spacing, or pass " + ALLOW_OPTION);
    }
}
