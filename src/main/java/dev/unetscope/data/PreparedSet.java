package dev.unetscope.data;

import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cases of a dataset after {@link Preprocessing}, held as network-ready float arrays: each volume is
 * D x H x W with D = z, H = y, W = x, which is exactly {@code Volume}'s x-fastest order. All cases
 * share one shape (the preprocessing's target shape).
 */
public record PreparedSet(String name, List<String> ids, List<float[]> images, List<float[]> masks, int d, int h, int w) {

    public int size() {
        return ids.size();
    }

    public int voxels() {
        return d * h * w;
    }

    public boolean labelled() {
        return masks != null && !masks.isEmpty() && masks.get(0) != null;
    }

    /**
     * Reads and prepares the cases {@code only} (all when null) of {@code ds}. Every case must come
     * out at the same shape; set a target shape in the preprocessing for data of mixed sizes.
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
        for (String id : ids) {
            Case c = byId.get(id);
            if (c == null) {
                throw new BadInputException(ds.root(), "has no case '" + id + "' named by the experiment's split", "use the dataset the experiment was made with");
            }
            LabelledVolume v = prep.apply(ds.read(c), c.image().toString());
            int[] vd = v.image().dims();
            if (dims == null) dims = vd;
            else if (dims[0] != vd[0] || dims[1] != vd[1] || dims[2] != vd[2]) {
                throw new BadInputException(c.image(), "prepares to " + v.image().dimsString() + " but earlier cases to " + dims[0] + "x" + dims[1] + "x" + dims[2],
                        "set a target shape in the preprocessing");
            }
            kept.add(id);
            images.add(v.image().data());
            masks.add(v.labelled() ? v.mask().data() : null);
        }
        return new PreparedSet(name, List.copyOf(kept), images, masks, dims[2], dims[1], dims[0]);
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
        List<float[]> images = new java.util.AbstractList<>() {
            public float[] get(int i) { return reader.checked(i, dims).image().data(); }
            public int size() { return ids.size(); }
        };
        List<float[]> masks = !first.labelled() ? null : new java.util.AbstractList<>() {
            public float[] get(int i) { return reader.checked(i, dims).mask().data(); }
            public int size() { return ids.size(); }
        };
        return new PreparedSet(name, ids, images, masks, dims[2], dims[1], dims[0]);
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
                last = prep.apply(ds.read(c), c.image().toString());
                index = i;
            }
            return last;
        }

        LabelledVolume checked(int i, int[] dims) {
            LabelledVolume v = get(i);
            int[] vd = v.image().dims();
            if (vd[0] != dims[0] || vd[1] != dims[1] || vd[2] != dims[2]) {
                throw new BadInputException(byId.get(ids.get(i)).image(), "prepares to " + v.image().dimsString() + " but earlier cases to "
                        + dims[0] + "x" + dims[1] + "x" + dims[2], "set a target shape in the preprocessing");
            }
            return v;
        }
    }
}
