package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PreprocessingTest {

    @Test
    void linearResampleHalvesAxisByAveragingNeighbours() {
        // 4 voxels along x at 1 mm: 0, 2, 4, 6. At 2 mm the new voxel j sits at old index 2j + 0.5,
        // so the values are the means of pairs: 1 and 5. The first voxel's centre moves to x = 0.5 mm.
        Volume v = new Volume(4, 1, 1, new float[] {0, 2, 4, 6}, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Volume r = Resample.linear(v, new double[] {2, 1, 1});
        assertThat(r.dims()).containsExactly(2, 1, 1);
        assertThat(r.data()).containsExactly(1f, 5f);
        assertThat(r.affine()[0]).isEqualTo(2.0);
        assertThat(r.affine()[3]).isEqualTo(0.5);
        assertThat(r.spacing()).containsExactly(2, 1, 1);
    }

    @Test
    void nearestResampleKeepsMaskBinary() {
        float[] m = new float[8 * 8 * 4];
        for (int i = 0; i < m.length; i++) m[i] = (i % 3 == 0) ? 1 : 0;
        Volume v = new Volume(8, 8, 4, m, new double[] {1, 1, 3}, Volume.diagonalAffine(new double[] {1, 1, 3}));
        Volume r = Resample.nearest(v, new double[] {0.7, 0.7, 1.5});
        assertThat(r.dims()).containsExactly(11, 11, 8);
        for (float x : r.data()) assertThat(x).isIn(0f, 1f);
    }

    @Test
    void cropAndPadAboutTheCentreMoveTheOrigin() {
        Volume v = new Volume(4, 2, 1, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Volume c = CropPad.toShape(v, new int[] {2, 4, 1}, -9f);
        // x: crop 4 -> 2 keeps indices 1..2; y: pad 2 -> 4 puts one row of -9 before and after
        assertThat(c.data()).containsExactly(-9, -9, 2, 3, 6, 7, -9, -9);
        assertThat(c.affine()[3]).isEqualTo(1.0);
        assertThat(c.affine()[7]).isEqualTo(-1.0);
    }

    @Test
    void zScoreUsesBodyMedianAndMad() {
        // air: 50 voxels at 0; body: 50 voxels 100..149 (median 124.5, MAD 12.5)
        float[] d = new float[100];
        for (int i = 0; i < 50; i++) d[50 + i] = 100 + i;
        Volume v = new Volume(100, 1, 1, d, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Volume z = Preprocessing.zScoreInBody(v, 5, "x.nii");
        double scale = 1.4826 * 12.5;
        assertThat((double) z.data()[99]).isCloseTo((149 - 124.5) / scale, within(1e-5));
        assertThat((double) z.data()[60]).isCloseTo((110 - 124.5) / scale, within(1e-5));
        assertThat(z.data()[0]).isEqualTo(-5f); // air clipped
    }

    @Test
    void fullPipelineGivesTargetShapeAndBinaryMask() {
        Volume img = Volume.zeros(20, 20, 10, new double[] {1, 1, 2});
        Volume mask = Volume.zeros(20, 20, 10, new double[] {1, 1, 2});
        for (int z = 2; z < 8; z++) for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) {
            img.set(x, y, z, 100 + x + y);
            if (x > 7 && x < 12 && y > 7 && y < 12) mask.set(x, y, z, 1);
        }
        Preprocessing p = Preprocessing.of(new double[] {2, 2, 2}, new int[] {8, 12, 10});
        LabelledVolume out = p.apply(new LabelledVolume("c", img, mask), "c.nii");
        assertThat(out.image().dims()).containsExactly(8, 12, 10);
        assertThat(out.mask().dims()).containsExactly(8, 12, 10);
        double sum = 0;
        for (float x : out.mask().data()) {
            assertThat(x).isIn(0f, 1f);
            sum += x;
        }
        assertThat(sum).isEqualTo(2 * 2 * 6); // 4x4 in-plane at 1 mm -> 2x2 at 2 mm, 6 slices
        for (float x : out.image().data()) assertThat(x).isBetween(-5f, 5f);
    }

    @Test
    void nanVoxelsAreRefusedByDefaultAndReplacedOnRequest() {
        Volume img = Volume.zeros(4, 4, 4, new double[] {1, 1, 1});
        for (int i = 0; i < img.size(); i++) img.data()[i] = i;
        img.data()[5] = Float.NaN;
        img.data()[6] = Float.POSITIVE_INFINITY;
        LabelledVolume c = new LabelledVolume("c", img, null);
        assertThatThrownBy(() -> Preprocessing.of(null, null).apply(c, "scan.nii.gz"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("scan.nii.gz").hasMessageContaining("2 of 64 voxels are NaN or infinite");
        Preprocessing replace = new Preprocessing(null, null, Preprocessing.NonFinite.REPLACE_WITH_MIN, 5);
        LabelledVolume out = replace.apply(c, "scan.nii.gz");
        for (float x : out.image().data()) assertThat(Float.isFinite(x)).isTrue();
    }

    @Test
    void constantImageIsRefused() {
        Volume img = Volume.zeros(4, 4, 4, new double[] {1, 1, 1});
        assertThatThrownBy(() -> Preprocessing.of(null, null).apply(new LabelledVolume("c", img, null), "flat.nii"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("constant");
    }

    @Test
    void applyZScoresInTheBodyClipsAndCropsPadsAboutTheCentre() {
        // 4 x 2 x 1, x fastest:  y=0: 100   0 102 106
        //                         y=1:   0 104 140   0
        // Otsu on 256 bins over [0, 140]: the air (bin 0) against the rest maximises the between-class variance
        // (3*5*201.2^2 in bin units, against 7*1*147.7^2 for splitting off 140), so the body is the five voxels
        // {100, 102, 104, 106, 140}: median 104, |x - 104| = {4, 2, 0, 2, 36}, MAD 2, scale 1.4826 * 2 = 2.9652.
        // (Median and MAD of all eight voxels, or mean and SD of the body, give other numbers.)
        Volume img = new Volume(4, 2, 1, new float[] {100, 0, 102, 106, 0, 104, 140, 0},
                new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Volume mask = new Volume(4, 2, 1, new float[] {0, 0, 0, 1, 0, 0, 1, 0},
                new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        // no resampling; crop x 4 -> 2 keeps x = 1..2, pad y 2 -> 4 adds one row before and one after
        LabelledVolume out = Preprocessing.of(null, new int[] {2, 4, 1}).apply(new LabelledVolume("c", img, mask), "c.nii");
        double scale = 1.4826 * 2;
        assertThat(out.image().dims()).containsExactly(2, 4, 1);
        float[] z = out.image().data();
        assertThat(z[0]).isEqualTo(-5f); // padding is -clip
        assertThat(z[1]).isEqualTo(-5f);
        assertThat(z[2]).isEqualTo(-5f); // air: (0 - 104) / 2.9652 = -35.07, clipped
        assertThat((double) z[3]).isCloseTo((102 - 104) / scale, within(1e-6)); // -0.674
        assertThat(z[4]).isEqualTo(0f); // the body median
        assertThat(z[5]).isEqualTo(5f); // bright outlier: (140 - 104) / 2.9652 = 12.14, clipped
        assertThat(z[6]).isEqualTo(-5f);
        assertThat(z[7]).isEqualTo(-5f);
        // the mask goes through the same crop/pad with 0 padding: its voxel (2,1) lands at (1,2); (3,0) is cropped away
        assertThat(out.mask().data()).containsExactly(0, 0, 0, 0, 0, 1, 0, 0);
        // the origin moves with the first voxel: +1 voxel in x, -1 voxel in y
        assertThat(out.image().affine()[3]).isEqualTo(1.0);
        assertThat(out.image().affine()[7]).isEqualTo(-1.0);
        assertThat(out.mask().affine()).containsExactly(out.image().affine());
    }

    @Test
    void everyChannelIsCroppedAlikeAndNormalisedOnItsOwn() {
        double[] one = {1, 1, 1};
        Volume t2 = new Volume(4, 1, 1, new float[] {1, 2, 3, 6}, one, Volume.diagonalAffine(one));
        Volume adc = new Volume(4, 1, 1, new float[] {100, 300, 500, 700}, one, Volume.diagonalAffine(one));
        Volume mask = new Volume(4, 1, 1, new float[] {0, 1, 1, 0}, one, Volume.diagonalAffine(one));
        LabelledVolume c = new LabelledVolume("c", t2, mask, java.util.List.of(adc));
        // crop x 4 -> 2 keeps x = 1..2 in every channel and the mask
        Preprocessing shared = new Preprocessing(null, new int[] {2, 1, 1}, null, 5, Normalization.named("zscore"));
        LabelledVolume out = shared.apply(c, java.util.List.of("t2.nii", "adc.nii"));
        assertThat(out.channels()).isEqualTo(2);
        // channel 0: mean 3, population sd sqrt((4 + 1 + 0 + 9) / 4) = sqrt(3.5); channel 1: mean 400, sd sqrt(50000)
        assertThat((double) out.image().data()[0]).isCloseTo((2 - 3) / Math.sqrt(3.5), within(1e-6));
        assertThat((double) out.image().data()[1]).isCloseTo((3 - 3) / Math.sqrt(3.5), within(1e-6));
        assertThat((double) out.more().get(0).data()[0]).isCloseTo((300 - 400) / Math.sqrt(50000), within(1e-6));
        assertThat((double) out.more().get(0).data()[1]).isCloseTo((500 - 400) / Math.sqrt(50000), within(1e-6));
        assertThat(out.mask().data()).containsExactly(1f, 1f);
        assertThat(out.stacked()).hasSize(4);
        // a scheme per channel, as a sidecar may record: channel 1 windowed to [100, 700] instead
        LabelledVolume each = shared.withChannelNormalizations(java.util.List.of(Normalization.named("zscore"), new Normalization("window", 100.0, 700.0, null, null)))
                .apply(c, java.util.List.of("t2.nii", "adc.nii"));
        assertThat(each.image().data()).containsExactly(out.image().data());
        assertThat((double) each.more().get(0).data()[0]).isCloseTo(200.0 / 600, within(1e-6));
        assertThat((double) each.more().get(0).data()[1]).isCloseTo(400.0 / 600, within(1e-6));
    }
}
