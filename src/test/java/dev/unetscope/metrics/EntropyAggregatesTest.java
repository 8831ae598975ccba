package dev.unetscope.metrics;

import dev.unetscope.ReferencePython;
import dev.unetscope.features.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EntropyAggregatesTest {
    private static BitSet mask(float[] p) {
        BitSet b = new BitSet();
        for (int i = 0; i < p.length; i++) if (p[i] >= 0.5f) b.set(i);
        return b;
    }

    @Test
    void entropyOverTheForegroundByHand() {
        // foreground p = 0.9, 0.6, 0.5: H = 0.468996, 0.970951, 1 -> mean 0.813316; 0.2 is background
        float[] p = {0.9f, 0.6f, 0.2f, 0.5f};
        assertThat(EntropyAggregates.meanOver(p, mask(p))).isCloseTo((0.468996 + 0.970951 + 1) / 3, within(1e-5));
        assertThat(EntropyAggregates.binaryEntropy(0.25)).isCloseTo(0.811278, within(1e-6));
        assertThat(EntropyAggregates.binaryEntropy(0)).isZero();
        assertThat(EntropyAggregates.binaryEntropy(1)).isZero();
        assertThat(EntropyAggregates.of(new float[] {0.1f, 0.2f}, new BitSet(), new int[] {1, 1, 2}).foreground()).isNaN();
        assertThat(EntropyAggregates.of(new float[] {0.1f, 0.2f}, new BitSet(), new int[] {1, 1, 2}).boundary()).isNaN();
    }

    @Test
    void boundaryBandOfACubeByHand() {
        // a 3x3x3 cube in the middle of a 5x5x5 volume: dilation by the 6-cross adds 6 faces of 9 = 81
        // voxels; erosion leaves the centre; band = 81 - 1 = 80: 26 inner voxels and 54 outer ones
        int[] dims = {5, 5, 5};
        float[] p = new float[125];
        Arrays.fill(p, 0.1f);
        for (int z = 1; z <= 3; z++) for (int y = 1; y <= 3; y++) for (int x = 1; x <= 3; x++) p[(z * 5 + y) * 5 + x] = 0.8f;
        p[(2 * 5 + 2) * 5 + 2] = 0.99f; // the centre, not in the band
        BitSet band = EntropyAggregates.boundaryBand(mask(p), dims);
        assertThat(band.cardinality()).isEqualTo(80);
        assertThat(band.get((2 * 5 + 2) * 5 + 2)).isFalse();
        assertThat(band.get(0)).as("a corner of the volume is 3 steps from the cube").isFalse();
        assertThat(band.get((0 * 5 + 2) * 5 + 2)).as("the face neighbour of the cube's top centre").isTrue();
        assertThat(band.get((0 * 5 + 0) * 5 + 1)).as("(0, 0, 1) touches the cube (1, 1, 1) only along an edge: not a 6-neighbour").isFalse();
        // band entropy: 26 voxels at H(0.8) = 0.721928 and 54 at H(0.1) = 0.468996
        double expected = (26 * 0.721928 + 54 * 0.468996) / 80;
        EntropyAggregates.CaseScores s = EntropyAggregates.of(p, mask(p), dims);
        assertThat(s.boundary()).isCloseTo(expected, within(1e-5));
        assertThat(s.foreground()).isCloseTo((26 * 0.721928 + EntropyAggregates.binaryEntropy(0.99f)) / 27, within(1e-5));
        // a mask on the volume's face: outside counts as background, so a full volume is all band
        float[] full = new float[27];
        Arrays.fill(full, 0.7f);
        assertThat(EntropyAggregates.boundaryBand(mask(full), new int[] {3, 3, 3}).cardinality()).isEqualTo(26);
    }

    @Test
    void patchMaxByHand() {
        // dims 4 x 8 x 17: two whole patches along w (x 0-7 and 8-15), x = 16 left out.
        // patch 0 all p = 0.5 (H = 1) except one voxel at 0.9; patch 1 all 0.1; the remainder all 0.5
        int[] dims = {4, 8, 17};
        float[] p = new float[4 * 8 * 17];
        for (int z = 0; z < 4; z++) for (int y = 0; y < 8; y++) for (int x = 0; x < 17; x++) p[(z * 8 + y) * 17 + x] = x < 8 || x == 16 ? 0.5f : 0.1f;
        p[0] = 0.9f;
        assertThat(EntropyAggregates.patchMax(p, dims, EntropyAggregates.PATCH)).isCloseTo((255 + 0.468996) / 256, within(1e-6));
        // an axis shorter than the patch: the patch spans it (2 x 3 x 3 volume: one patch, the mean)
        float[] small = new float[18];
        Arrays.fill(small, 0.5f);
        small[0] = 0f;
        assertThat(EntropyAggregates.patchMax(small, new int[] {2, 3, 3}, EntropyAggregates.PATCH)).isCloseTo(17.0 / 18, within(1e-9));
    }

    @Test
    void matchesScipy(@TempDir Path dir) throws Exception {
        // a blob with a rough surface, touching the volume's faces, in a 6 x 11 x 19 volume
        int d = 6, h = 11, w = 19;
        float[] p = new float[d * h * w];
        Random r = new Random(7);
        for (int z = 0; z < d; z++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double rr = Math.pow((z - 2.5) / 3.0, 2) + Math.pow((y - 5) / 5.0, 2) + Math.pow((x - 4) / 7.0, 2);
                    p[(z * h + y) * w + x] = (float) Math.min(1, Math.max(0, 1.1 - rr + 0.3 * r.nextGaussian()));
                }
            }
        }
        int[] dims = {d, h, w};
        Npy.writeFloat32(dir.resolve("p.npy"), p, d, h, w);
        String[] out = ReferencePython.run(dir, "entropy_aggregates_reference.py", dir.toString(), "numpy and scipy", 60).strip().split("\n");
        int[] band = EntropyAggregates.boundaryBand(mask(p), dims).stream().toArray();
        assertThat(band).containsExactly(Arrays.stream(out[0].trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        EntropyAggregates.CaseScores s = EntropyAggregates.of(p, mask(p), dims);
        assertThat(s.foreground()).isCloseTo(Double.parseDouble(out[1]), within(1e-9));
        assertThat(s.boundary()).isCloseTo(Double.parseDouble(out[2]), within(1e-9));
        assertThat(s.patchMax()).isCloseTo(Double.parseDouble(out[3]), within(1e-9));
    }
}
