package dev.unetscope.data;

import dev.unetscope.io.BadInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cases of a dataset after {@link Preprocessing}, held as network-ready float arrays: each volume is
 * D x H x W with D = z, H = y, W = x, which is exactly {@code Volume}'s x-fastest order. With a target
 * shape all cases share it ({@code shapes} null; {@code d, h, w}); without one (a run that takes each scan
 * whole) each case keeps its own, {@code shapes.get(i)} = {d, h, w}, and {@code d, h, w} are the first case's.
 * Stages read a case's dims with {@link #dims(int)}.
 */
public record PreparedSet(String name, List<String> ids, List<float[]> images, List<float[]> masks, int d, int h, int w, List<int[]> shapes, int channels) {

    public PreparedSet {
        if (channels < 1) throw new IllegalArgumentException("channels " + channels);
    }

    /** Every case at one shape, one input channel. */
    public PreparedSet(String name, List<String> ids, List<float[]> images, List<float[]> masks, int d, int h, int w) {
        this(name, ids, images, masks, d, h, w, null, 1);
    }

    /** One input channel. */
    public PreparedSet(String name, List<String> ids, List<float[]> images, List<float[]> masks, int d, int h, int w, List<int[]> shapes) {
        this(name, ids, images, masks, d, h, w, shapes, 1);
    }

    /**
     * Channel {@code k} of case {@code i}'s image (d x h x w): a case's image holds its {@link #channels}
     * input channels one after the other (C x d x h x w, channel 0 first), as the network takes them.
     */
    public float[] channel(int i, int k) {
        float[] img = images.get(i);
        if (channels == 1) return img;
        int vox = voxels(i);
        return java.util.Arrays.copyOfRange(img, k * vox, (k + 1) * vox);
    }

    /** {d, h, w} of case {@code i}. */
    public int[] dims(int i) {
        return shapes == null ? new int[] {d, h, w} : shapes.get(i).clone();
    }

    /** Voxels of case {@code i}. */
    public int voxels(int i) {
        int[] s = dims(i);
        return s[0] * s[1] * s[2];
    }

    /** Whether every case has the same shape. */
    public boolean uniform() {
        return shapes == null;
    }

    /** The same cases with the images replaced (same shapes, same masks). */
    public PreparedSet withImages(List<float[]> newImages) {
        return new PreparedSet(name, ids, newImages, masks, d, h, w, shapes, channels);
    }

    /** The same cases without their masks. */
    public PreparedSet unlabelled() {
        return new PreparedSet(name, ids, images, null, d, h, w, shapes, channels);
    }

    public int size() {
        return ids.size();
    }

    /** Voxels of every case; only for a set whose cases share one shape. */
    public int voxels() {
        if (shapes != null) throw new IllegalStateException("set " + name + " has cases of different shapes: use voxels(i)");
        return d * h * w;
    }

    public boolean labelled() {
        return masks != null && !masks.isEmpty() && masks.get(0) != null;
    }

    /**
     * Reads and prepares the cases {@code only} (all when null) of {@code ds}. With a target shape in
     * the preprocessing every case comes out at it; without one each case keeps its own shape.
     */
    public static PreparedSet load(String name, Dataset ds, List<String> only, Preprocessing prep) {
        Map<String, Case> byId = ds.byId();
        List<String> ids = only == null ? new ArrayList<>(byId.keySet()) : only;
        if (ids.isEmpty()) {
            throw new BadInputException(ds.root(), "query set '" + name + "' has no cases", "check the split or the dataset folder");
        }
        List<String> kept = new ArrayList<>();
        List<float[]> images = new ArrayList<>(), masks = new ArrayList<>();
        int[] dims = null;
        List<int[]> shapes = new ArrayList<>();
        boolean same = true;
        for (String id : ids) {
            Case c = byId.get(id);
            if (c == null) {
                throw new BadInputException(ds.root(), "has no case '" + id + "' named by the experiment's split", "use the dataset the experiment was made with");
            }
            LabelledVolume v = prep.apply(ds.read(c), sources(c));
            int[] vd = v.image().dims();
            if (dims == null) dims = vd;
            else if (dims[0] != vd[0] || dims[1] != vd[1] || dims[2] != vd[2]) same = false;
            shapes.add(new int[] {vd[2], vd[1], vd[0]});
            kept.add(id);
            images.add(v.stacked());
            masks.add(v.labelled() ? v.mask().data() : null);
        }
        return new PreparedSet(name, List.copyOf(kept), images, masks, dims[2], dims[1], dims[0], same ? null : List.copyOf(shapes), ds.inputChannels());
    }

    /** The case's channel files, named in errors. */
    private static List<String> sources(Case c) {
        return c.channels().stream().map(Path::toString).toList();
    }

    /**
     * The same cases, read and prepared only when asked for (one case kept at a time), so a stage
     * that visits cases in order holds one volume, not the set. The first case is read up front for
     * the shape and the labels.
     */
    public static PreparedSet stream(String name, Dataset ds, List<String> only, Preprocessing prep) {
        Map<String, Case> byId = ds.byId();
        List<String> ids = only == null ? new ArrayList<>(byId.keySet()) : List.copyOf(only);
        if (ids.isEmpty()) {
            throw new BadInputException(ds.root(), "query set '" + name + "' has no cases", "check the split or the dataset folder");
        }
        for (String id : ids) {
            if (!byId.containsKey(id)) {
                throw new BadInputException(ds.root(), "has no case '" + id + "' named by the experiment's split", "use the dataset the experiment was made with");
            }
        }
        OneCase reader = new OneCase(ds, byId, ids, prep);
        LabelledVolume first = reader.get(0);
        int[] dims = first.image().dims();
        // without a target shape each case has its own, known once it is read (the reader keeps the last case)
        int[] fixed = prep.targetShape() == null ? null : dims;
        List<float[]> images = new java.util.AbstractList<>() {
            public float[] get(int i) { return reader.checked(i, fixed).stacked(); }
            public int size() { return ids.size(); }
        };
        List<float[]> masks = !first.labelled() ? null : new java.util.AbstractList<>() {
            public float[] get(int i) { return reader.checked(i, fixed).mask().data(); }
            public int size() { return ids.size(); }
        };
        List<int[]> shapes = fixed != null ? null : new java.util.AbstractList<>() {
            public int[] get(int i) {
                int[] v = reader.get(i).image().dims();
                return new int[] {v[2], v[1], v[0]};
            }
            public int size() { return ids.size(); }
        };
        return new PreparedSet(name, ids, images, masks, dims[2], dims[1], dims[0], shapes, ds.inputChannels());
    }

    /** Reads one case at a time and keeps only the last one. */
    private static final class OneCase {
        private final Dataset ds;
        private final Map<String, Case> byId;
        private final List<String> ids;
        private final Preprocessing prep;
        private int index = -1;
        private LabelledVolume last;

        OneCase(Dataset ds, Map<String, Case> byId, List<String> ids, Preprocessing prep) {
            this.ds = ds;
            this.byId = byId;
            this.ids = ids;
            this.prep = prep;
        }

        synchronized LabelledVolume get(int i) {
            if (i != index) {
                Case c = byId.get(ids.get(i));
                last = prep.apply(ds.read(c), sources(c));
                index = i;
            }
            return last;
        }

        LabelledVolume checked(int i, int[] dims) {
            LabelledVolume v = get(i);
            if (dims == null) return v;
            int[] vd = v.image().dims();
            if (vd[0] != dims[0] || vd[1] != dims[1] || vd[2] != dims[2]) {
                throw new BadInputException(byId.get(ids.get(i)).image(), "prepares to " + v.image().dimsString() + " but earlier cases to "
                        + dims[0] + "x" + dims[1] + "x" + dims[2], "set a target shape in the preprocessing");
            }
            return v;
        }
    }
}
