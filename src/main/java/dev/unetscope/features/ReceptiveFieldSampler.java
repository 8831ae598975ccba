package dev.unetscope.features;

import dev.unetscope.io.BadInputException;

import java.util.Arrays;
import java.util.Random;

/**
 * Chooses the voxel positions at which features are read, in the input grid of each case. The
 * positions depend only on (seed, case id), so every layer and every checkpoint is read at the same
 * places. A position's feature at a layer of per-axis stride {@code (sd, sh, sw)} is the vector of the
 * layer voxel that contains it, {@code (z/sd, y/sh, x/sw)}: the centre of that voxel's receptive field.
 *
 * <p>{@link Mode#UNIFORM} draws positions uniformly without replacement. {@link Mode#PREDICTED}
 * (label-free) draws half inside the checkpoint's own predicted mask and half outside, so the gland
 * (1-2 % of the volume) is not swamped by background; it never looks at ground truth, so it is
 * allowed on query data, but the positions then differ between checkpoints.
 */
public record ReceptiveFieldSampler(long seed, int samplesPerCase, Mode mode) {

    public enum Mode { UNIFORM, PREDICTED }

    public static final int DEFAULT_SAMPLES_PER_CASE = 2000;

    public ReceptiveFieldSampler {
        if (samplesPerCase < 1) {
            throw new BadInputException("--samples-per-case " + samplesPerCase + " must be at least 1", "the default is " + DEFAULT_SAMPLES_PER_CASE);
        }
        if (mode == null) mode = Mode.UNIFORM;
    }

    /**
     * Sorted flat indices {@code z*h*w + y*w + x} of the positions for one case.
     *
     * @param predicted the checkpoint's probabilities for this case (used by {@link Mode#PREDICTED} only)
     */
    public int[] positions(String caseId, int voxels, float[] predicted) {
        if (samplesPerCase > voxels) {
            throw new BadInputException("--samples-per-case " + samplesPerCase + " is more than the " + voxels + " voxels of case " + caseId,
                    "use at most " + voxels);
        }
        Random r = new Random(seed * 1_000_003L + caseId.hashCode());
        if (mode == Mode.UNIFORM || predicted == null) return draw(r, voxels, samplesPerCase, null, false);
        int inside = 0;
        for (float p : predicted) if (p >= 0.5f) inside++;
        int wantIn = Math.min(inside, samplesPerCase / 2);
        int wantOut = Math.min(voxels - inside, samplesPerCase - wantIn);
        int[] a = draw(r, voxels, wantIn, predicted, true);
        int[] b = draw(r, voxels, wantOut, predicted, false);
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Arrays.sort(all);
        return all;
    }

    /** {@code count} distinct indices among those whose prediction side matches (all when {@code predicted} is null). */
    private static int[] draw(Random r, int voxels, int count, float[] predicted, boolean inside) {
        int[] pool;
        if (predicted == null) {
            pool = null;
        } else {
            int n = 0;
            for (float p : predicted) if ((p >= 0.5f) == inside) n++;
            pool = new int[n];
            int k = 0;
            for (int i = 0; i < predicted.length; i++) if ((predicted[i] >= 0.5f) == inside) pool[k++] = i;
        }
        int n = pool == null ? voxels : pool.length;
        // Floyd's algorithm: count distinct values from [0, n) without materialising a permutation
        java.util.HashSet<Integer> chosen = new java.util.HashSet<>(count * 2);
        for (int j = n - count; j < n; j++) {
            int t = r.nextInt(j + 1);
            if (!chosen.add(t)) chosen.add(j);
        }
        int[] out = new int[count];
        int k = 0;
        for (int c : chosen) out[k++] = pool == null ? c : pool[c];
        Arrays.sort(out);
        return out;
    }
}
