package dev.unetscope.metrics;

import java.util.BitSet;

/**
 * Predictive entropy aggregated where segmentation failures show (the single-network aggregates of
 * Zenk et al., Medical Image Analysis 2025), per case, from the probabilities {@code p} and the
 * predicted mask {@code M} (voxels with p at or above the threshold) of a volume of dims {d, h, w}
 * (w fastest). H(p) = -p log2 p - (1 - p) log2 (1 - p), in bits, in [0, 1]; higher means less confident.
 * <ul>
 *   <li>{@code entropy_foreground}: mean H over the voxels of M; NaN when M is empty;</li>
 *   <li>{@code entropy_boundary}: mean H over the boundary band B = dilate(M) \ erode(M), dilation and
 *       erosion by one step of the 6-connected cross (the voxel and its 6 face neighbours), voxels
 *       outside the volume counted as background (so M's voxels on the volume's face are in B). B holds
 *       the voxels within one 6-step of M's surface on either side: mask voxels with a face neighbour
 *       outside M and background voxels with a face neighbour in M (scipy's {@code binary_dilation(M) &
 *       ~binary_erosion(M)} with {@code generate_binary_structure(3, 1)}); NaN when M is empty;</li>
 *   <li>{@code entropy_patch_max}: the volume tiled from voxel (0, 0, 0) into non-overlapping patches of
 *       {@link #PATCH} = 4 x 8 x 8 voxels (d x h x w; 4 along the slice axis, whose voxels are the
 *       thickest); only whole patches count (a remainder at the far faces is left out), and along an
 *       axis shorter than the patch the patch spans the whole axis; the maximum over patches of the
 *       patch's mean H. Defined for every case.</li>
 * </ul>
 */
public final class EntropyAggregates {
    private EntropyAggregates() {}

    /** Patch size {d, h, w} of {@link #patchMax}. */
    public static final int[] PATCH = {4, 8, 8};

    public record CaseScores(double foreground, double boundary, double patchMax) {}

    /** The three aggregates of one case. */
    public static CaseScores of(float[] p, BitSet predicted, int[] dims) {
        return new CaseScores(meanOver(p, predicted), meanOver(p, boundaryBand(predicted, dims)), patchMax(p, dims, PATCH));
    }

    /** Binary entropy of {@code p} in bits (p clamped to [0, 1]; 0 at 0 and 1). */
    public static double binaryEntropy(double p) {
        double q = Math.min(1, Math.max(0, p));
        if (q <= 0 || q >= 1) return 0;
        return -(q * Math.log(q) + (1 - q) * Math.log(1 - q)) / Math.log(2);
    }

    /** Mean entropy over the voxels of {@code where}; NaN when it is empty. */
    public static double meanOver(float[] p, BitSet where) {
        double sum = 0;
        long n = 0;
        for (int i = where.nextSetBit(0); i >= 0; i = where.nextSetBit(i + 1)) {
            sum += binaryEntropy(p[i]);
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The boundary band dilate(M) \ erode(M) of the 6-connected cross (outside the volume is background). */
    public static BitSet boundaryBand(BitSet mask, int[] dims) {
        int d = dims[0], h = dims[1], w = dims[2];
        BitSet band = new BitSet(d * h * w);
        for (int z = 0; z < d; z++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = (z * h + y) * w + x;
                    boolean in = mask.get(i);
                    // a voxel is in the band when some face neighbour (or the outside, for a mask voxel) differs from it
                    boolean differs = neighbourDiffers(mask, in, z - 1, y, x, d, h, w) || neighbourDiffers(mask, in, z + 1, y, x, d, h, w)
                            || neighbourDiffers(mask, in, z, y - 1, x, d, h, w) || neighbourDiffers(mask, in, z, y + 1, x, d, h, w)
                            || neighbourDiffers(mask, in, z, y, x - 1, d, h, w) || neighbourDiffers(mask, in, z, y, x + 1, d, h, w);
                    if (differs) band.set(i);
                }
            }
        }
        return band;
    }

    private static boolean neighbourDiffers(BitSet mask, boolean in, int z, int y, int x, int d, int h, int w) {
        boolean outside = z < 0 || y < 0 || x < 0 || z >= d || y >= h || x >= w;
        boolean n = !outside && mask.get((z * h + y) * w + x);
        return n != in;
    }

    /** Maximum over whole non-overlapping patches of {@code patch} = {pd, ph, pw} of the patch's mean entropy. */
    public static double patchMax(float[] p, int[] dims, int[] patch) {
        int[] size = new int[3], count = new int[3];
        for (int a = 0; a < 3; a++) {
            size[a] = Math.min(patch[a], dims[a]);
            count[a] = dims[a] / size[a];
        }
        int h = dims[1], w = dims[2];
        double best = Double.NEGATIVE_INFINITY;
        for (int pz = 0; pz < count[0]; pz++) {
            for (int py = 0; py < count[1]; py++) {
                for (int px = 0; px < count[2]; px++) {
                    double sum = 0;
                    for (int z = pz * size[0]; z < (pz + 1) * size[0]; z++) {
                        for (int y = py * size[1]; y < (py + 1) * size[1]; y++) {
                            for (int x = px * size[2]; x < (px + 1) * size[2]; x++) sum += binaryEntropy(p[(z * h + y) * w + x]);
                        }
                    }
                    best = Math.max(best, sum / ((double) size[0] * size[1] * size[2]));
                }
            }
        }
        return best;
    }
}
