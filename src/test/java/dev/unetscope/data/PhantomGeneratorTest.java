package dev.unetscope.data;

import dev.unetscope.data.phantom.PhantomCase;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.PhantomGenerator;
import dev.unetscope.data.phantom.PhantomStats;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PhantomGeneratorTest {
    static final long SEED = 7;
    static final int N = 40;
    static final PhantomGenerator GEN = new PhantomGenerator(PhantomConfig.demo());
    static final List<PhantomCase> COHORT = new ArrayList<>();

    @BeforeAll
    static void generateCohort() {
        long t0 = System.nanoTime();
        for (int i = 0; i < N; i++) COHORT.add(GEN.generate(SEED, i));
        System.out.printf("generated %d phantoms of %s in %.2f s (wall, includes JIT warm-up)%n",
                N, COHORT.get(0).image().dimsString(), (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void gridIsTheConfiguredAnisotropicOne() {
        Volume im = COHORT.get(0).image(), m = COHORT.get(0).mask();
        assertThat(im.dims()).containsExactly(64, 64, 24);
        assertThat(im.spacing()).containsExactly(1.5, 1.5, 3.6);
        assertThat(m.sameGrid(im, 0)).isTrue();
        assertThat(COHORT.get(3).name()).isEqualTo("phantom_0003");
        // world origin at the volume centre
        assertThat(im.affine()[3] + 0.5 * 63 * 1.5).isCloseTo(0, within(1e-9));
        PhantomCase other = new PhantomGenerator(PhantomConfig.demo().withDims(48, 40, 16).withSpacing(2, 2, 4)).generate(SEED, 0);
        assertThat(other.image().dims()).containsExactly(48, 40, 16);
        assertThat(PhantomStats.glandFraction(other.mask())).isBetween(0.005, 0.03);
    }

    @Test
    void sameSeedAndIndexGiveIdenticalArraysWhateverElseWasGenerated() {
        PhantomCase again = new PhantomGenerator(PhantomConfig.demo()).generate(SEED, 5);
        assertThat(again.image().data()).containsExactly(COHORT.get(5).image().data());
        assertThat(again.mask().data()).containsExactly(COHORT.get(5).mask().data());
    }

    @Test
    void differentSeedOrIndexGiveDifferentCases() {
        PhantomCase otherSeed = GEN.generate(SEED + 1, 5);
        assertThat(Arrays.equals(otherSeed.image().data(), COHORT.get(5).image().data())).isFalse();
        assertThat(Arrays.equals(otherSeed.mask().data(), COHORT.get(5).mask().data())).isFalse();
        assertThat(Arrays.equals(COHORT.get(4).mask().data(), COHORT.get(5).mask().data())).isFalse();
    }

    @Test
    void maskIsBinaryAndGlandFractionIsOneToTwoPercent() {
        double sum = 0;
        for (PhantomCase c : COHORT) {
            for (float v : c.mask().data()) assertThat(v == 0f || v == 1f).as("mask value %s", v).isTrue();
            double f = PhantomStats.glandFraction(c.mask());
            assertThat(f).as(c.name()).isBetween(0.005, 0.03);
            sum += f;
        }
        double mean = sum / N;
        System.out.printf("gland volume fraction: mean %.4f over %d cases%n", mean, N);
        assertThat(mean).isBetween(0.01, 0.02);
    }

    /**
     * Gland-vs-surround CNR (PhantomStats.glandCnr: mean difference over pooled spread within 2
     * voxels / 1 slice). Measured at this commit over seed 7, cases 0..39: mean 1.16, per case
     * 0.41 .. 1.62 (noise-free the mean is 1.32: texture, zones and the ambiguous envelope dominate).
     * The band is the brief's target (a gland only slightly brighter than its surround, CNR near
     * 1-1.5) with room for small retuning; a change that pushes it out makes the task easier or
     * impossibly hard and must be re-justified.
     */
    @Test
    void neutralCnrIsNearOne() {
        double sum = 0;
        for (PhantomCase c : COHORT) {
            double r = PhantomStats.glandCnr(c.image(), c.mask());
            assertThat(r).as(c.name()).isBetween(0.1, 2.2);
            sum += r;
        }
        double mean = sum / N;
        System.out.printf("gland-vs-surround CNR at neutral: mean %.3f%n", mean);
        assertThat(mean).isBetween(0.95, 1.45);
    }

    @Test
    void pairedShiftsKeepAnatomyAndMaskAndChangeTheImage() {
        PhantomCase neutral = COHORT.get(2);
        for (String p : Shift.presetNames()) {
            if (p.equals("neutral")) continue;
            PhantomCase s = GEN.generate(SEED, 2, Shift.preset(p));
            assertThat(s.mask().data()).as(p).containsExactly(neutral.mask().data());
            assertThat(Arrays.equals(s.image().data(), neutral.image().data())).as(p).isFalse();
        }
        // the config's shift is the default one
        PhantomCase viaConfig = new PhantomGenerator(PhantomConfig.demo().withShift(Shift.preset("noisy"))).generate(SEED, 2);
        assertThat(viaConfig.image().data()).containsExactly(GEN.generate(SEED, 2, Shift.preset("noisy")).image().data());
    }

    @Test
    void shiftsMoveTheStatisticsTheyShould() {
        PhantomCase n = COHORT.get(1);
        double cnr0 = PhantomStats.glandCnr(n.image(), n.mask());
        double lowC = PhantomStats.glandCnr(GEN.generate(SEED, 1, Shift.parse("gland_contrast=0.3")).image(), n.mask());
        double noisy = PhantomStats.glandCnr(GEN.generate(SEED, 1, Shift.parse("noise=3")).image(), n.mask());
        System.out.printf("case 1 CNR: neutral %.2f, gland_contrast=0.3 %.2f, noise=3 %.2f%n", cnr0, lowC, noisy);
        assertThat(lowC).isLessThan(cnr0 - 0.2);
        assertThat(noisy).isLessThan(cnr0 - 0.2);
        double b0 = ShiftTransformsTest.backgroundStd(n.image());
        double b3 = ShiftTransformsTest.backgroundStd(GEN.generate(SEED, 1, Shift.parse("noise=3")).image());
        assertThat(b3).isCloseTo(3 * b0, within(0.3 * b0));
        double m0 = ShiftTransformsTest.mean(n.image().data());
        assertThat(ShiftTransformsTest.mean(GEN.generate(SEED, 1, Shift.parse("scale=2")).image().data())).isCloseTo(2 * m0, within(1e-3 * m0));
        // the phantom blurs the signal before the acquisition noise, so compare noise-free images,
        // by gradient energy (blur keeps a lone edge's total variation but spreads it)
        assertThat(ShiftTransformsTest.rmsGradient(GEN.generate(SEED, 1, Shift.parse("noise=0,blur=1.5")).image()))
                .isLessThan(0.7 * ShiftTransformsTest.rmsGradient(GEN.generate(SEED, 1, Shift.parse("noise=0")).image()));
        // gamma < 1 lifts the dark end: median / p95 rises
        Volume g = GEN.generate(SEED, 1, Shift.parse("gamma=0.6")).image();
        assertThat(ShiftTransformsTest.pct(g.data(), 50) / ShiftTransformsTest.pct(g.data(), 95))
                .isGreaterThan(ShiftTransformsTest.pct(n.image().data(), 50) / ShiftTransformsTest.pct(n.image().data(), 95) + 0.05);
    }

    @Test
    void shiftTransformsNoiseOnAPhantomMatchesGenerationNoise() {
        PhantomCase n = COHORT.get(3);
        double viaTransforms = ShiftTransformsTest.backgroundStd(ShiftTransforms.apply(n.image(), Shift.parse("noise=3"), 99));
        double viaGenerator = ShiftTransformsTest.backgroundStd(GEN.generate(SEED, 3, Shift.parse("noise=3")).image());
        System.out.printf("background std under noise=3: ShiftTransforms %.1f, generator %.1f%n", viaTransforms, viaGenerator);
        assertThat(viaTransforms).isCloseTo(viaGenerator, within(0.25 * viaGenerator));
    }

    @Test
    void backgroundIsRicianAirWithTheBaseSigma() {
        // air has zero signal: magnitude noise is Rayleigh with mean sigma*sqrt(pi/2)
        Volume im = COHORT.get(0).image();
        double s = 0; long k = 0;
        for (int z = 0; z < im.nz(); z++) for (int y = 0; y < 6; y++) for (int x = 0; x < 6; x++) { s += im.get(x, y, z); k++; }
        double sigma = PhantomGenerator.BASE_NOISE * PhantomGenerator.SIGNAL;
        assertThat(s / k).isCloseTo(sigma * Math.sqrt(Math.PI / 2), within(0.1 * sigma));
    }

    @Test
    void thickSlicesGivePartialVolumeAtApexAndBase() {
        // the slices just outside the mask along z hold intermediate gland-surround mixtures: the
        // noise-free image is not piecewise constant there
        PhantomCase c = GEN.generate(SEED, 0, Shift.parse("noise=0,bias=0"));
        Volume m = c.mask();
        int zTop = -1;
        for (int z = 0; z < m.nz(); z++) for (int i = 0; i < m.nx() * m.ny(); i++) if (m.data()[i + z * m.nx() * m.ny()] > 0.5f) zTop = z;
        assertThat(zTop).isBetween(1, m.nz() - 2);
        PhantomCase lowC = GEN.generate(SEED, 0, Shift.parse("noise=0,bias=0,gland_contrast=0"));
        // gland contrast leaks into the slice above the base through partial volume
        float[] a = c.image().data(), b = lowC.image().data();
        int off = (zTop + 1) * m.nx() * m.ny();
        int differ = 0;
        for (int i = 0; i < m.nx() * m.ny(); i++) if (Math.abs(a[off + i] - b[off + i]) > 1) differ++;
        assertThat(differ).isGreaterThan(5);
    }

    @Test
    void badConfigThrowsBadInput() {
        assertThatThrownBy(() -> PhantomConfig.demo().withDims(4, 64, 24)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> PhantomConfig.demo().withSpacing(1, 0, 3)).isInstanceOf(BadInputException.class);
    }
}
