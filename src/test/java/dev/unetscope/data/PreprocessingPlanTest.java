package dev.unetscope.data;

import dev.unetscope.data.phantom.PhantomCohort;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PreprocessingPlanTest {
    @TempDir
    Path tmp;

    private static DatasetCheck.CaseFingerprint c(int nx, int ny, int nz, double sx, double sy, double sz) {
        return new DatasetCheck.CaseFingerprint("c" + nx + "_" + sx, new int[] {nx, ny, nz}, new double[] {sx, sy, sz}, 0, 1);
    }

    private static DatasetCheck.Fingerprint fp(DatasetCheck.CaseFingerprint... cases) {
        return new DatasetCheck.Fingerprint(Path.of("ds"), List.of(cases), new TreeSet<>(List.of(0, 1)));
    }

    @Test
    void medianSpacingAndTheShapeThatHoldsEveryCaseRoundedUp() {
        // a whole-head-like cohort: three fields of view at three voxel sizes
        var f = fp(c(256, 256, 30, 0.5, 0.5, 4.0), c(200, 200, 40, 0.6, 0.6, 3.0), c(320, 320, 24, 0.4, 0.4, 5.0));
        PreprocessingPlan p = PreprocessingPlan.of(f, null, null, 8, PreprocessingPlan.DEFAULT_MAX_VOXELS);
        assertThat(p.spacing()).containsExactly(0.5, 0.5, 4.0);
        // extents at 0.5 x 0.5 x 4 mm: 256,256,30 | 240,240,30 | 256,256,30 -> largest 256,256,30 -> 256,256,32
        assertThat(p.extent()).containsExactly(256, 256, 30);
        assertThat(p.shape()).containsExactly(256, 256, 32);
        assertThat(p.coarsened()).isEqualTo(1.0);
        assertThat(p.voxels()).isEqualTo(256 * 256 * 32);
        // even count: the median is the mean of the middle two
        assertThat(PreprocessingPlan.of(fp(c(10, 10, 10, 1, 1, 2), c(10, 10, 10, 2, 2, 4)), null, null, 8, 1 << 20).spacing()).containsExactly(1.5, 1.5, 3.0);
    }

    @Test
    void aPlanAboveTheBudgetCoarsensTheSpacingUntilItFits() {
        var f = fp(c(256, 256, 30, 0.5, 0.5, 4.0));
        long budget = 500_000;
        PreprocessingPlan p = PreprocessingPlan.of(f, null, null, 8, budget);
        assertThat(p.voxels()).isLessThanOrEqualTo(budget);
        assertThat(p.coarsened()).isGreaterThan(1.0);
        for (int a = 0; a < 3; a++) assertThat(p.spacing()[a]).isCloseTo(new double[] {0.5, 0.5, 4.0}[a] * p.coarsened(), within(1e-12));
        assertThat(p.spacingFrom()).contains("coarsened");
        // each axis still holds the case at the coarser spacing
        for (int a = 0; a < 3; a++) {
            assertThat(p.shape()[a]).isGreaterThanOrEqualTo(Resample.size(new int[] {256, 256, 30}[a], new double[] {0.5, 0.5, 4.0}[a], p.spacing()[a]));
            assertThat(p.shape()[a] % 8).isZero();
        }
        // an explicit spacing is not coarsened: refused, with what to do
        assertThatThrownBy(() -> PreprocessingPlan.of(f, new double[] {0.5, 0.5, 4.0}, null, 8, budget)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("above the budget of 500000 (--max-voxels)");
        // an explicit shape is taken as given (its crop is CropLoss's to check)
        assertThat(PreprocessingPlan.of(f, null, new int[] {64, 64, 16}, 8, budget).shape()).containsExactly(64, 64, 16);
    }

    @Test
    void thePhantomCohortPlansToThePhantomDemosFixedPreprocessing() {
        PhantomConfig cfg = PhantomConfig.demo();
        Path dir = tmp.resolve("ph");
        PhantomCohort.write(dir, cfg, 7, IntStream.range(0, 3).boxed().toList(), true);
        DatasetCheck.Fingerprint f = DatasetCheck.run(Dataset.open(dir), DatasetCheck.Settings.training(false));
        PreprocessingPlan p = PreprocessingPlan.of(f, null, null, 8, PreprocessingPlan.DEFAULT_MAX_VOXELS);
        // the phantom demo prepares to the cohort's own grid: 64 x 64 x 24 at 1.5 x 1.5 x 3.6 mm (3.6 as float32 in the header)
        assertThat(p.shape()).containsExactly(cfg.nx(), cfg.ny(), cfg.nz());
        assertThat(p.spacing()).containsExactly(new double[] {1.5, 1.5, 3.6}, within(1e-6));
    }

    @Test
    void cropLossCountsTheGlandVoxelsOutsideTheCentredCrop() {
        Volume m = Volume.zeros(10, 10, 4, new double[] {1, 1, 1});
        // 2 x 2 x 2 block at x 0-1 (cut by a crop to 6 along x: start 2), 3 x 1 x 1 block in the middle (kept)
        for (int z = 0; z < 2; z++) for (int y = 4; y < 6; y++) for (int x = 0; x < 2; x++) m.set(x, y, z, 1);
        for (int x = 4; x < 7; x++) m.set(x, 5, 2, 1);
        CropLoss.CaseLoss l = CropLoss.of("a", m, Preprocessing.of(new double[] {1, 1, 1}, new int[] {6, 10, 4}));
        assertThat(l.foreground()).isEqualTo(11);
        assertThat(l.lost()).isEqualTo(8);
        assertThat(l.fraction()).isEqualTo(8.0 / 11);
        // the same crop through CropPad keeps exactly the other 3 voxels
        Volume cropped = CropPad.toShape(m, new int[] {6, 10, 4}, 0f);
        float sum = 0;
        for (float x : cropped.data()) sum += x;
        assertThat(sum).isEqualTo(3f);
        // resampling first: at 2 mm the volume is 5 x 5 x 2 and the crop to 6 x 6 x 2 pads, losing nothing
        assertThat(CropLoss.of("a", m, Preprocessing.of(new double[] {2, 2, 2}, new int[] {6, 6, 2})).lost()).isZero();
    }
}
