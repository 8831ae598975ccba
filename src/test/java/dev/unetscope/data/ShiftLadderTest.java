package dev.unetscope.data;

import dev.unetscope.data.phantom.AppearanceOps;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.PhantomGenerator;
import dev.unetscope.data.phantom.PhantomStats;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.data.phantom.ShiftLadder;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ShiftLadderTest {
    private static final long SEED = 7;
    private static final int CASE = 1;
    private static final PhantomGenerator GEN = new PhantomGenerator(PhantomConfig.demo());

    private static Volume phantom(String shift) {
        return GEN.generate(SEED, CASE, Shift.parse(shift)).image();
    }

    @Test
    void levelsAreTheDocumentedKnobSettings() {
        // the table in ShiftLadder's javadoc, README and ARCHITECTURE, level by level
        Map<String, String[]> table = Map.of(
                "noisy", new String[] {"noise=1.5", "noise=2", "noise=3", "noise=4", "noise=6"},
                "biased", new String[] {"bias=1.2", "bias=2.3", "bias=3.5", "bias=4.6", "bias=5.8"},
                "blurred", new String[] {"blur=1", "blur=1.4", "blur=2", "blur=2.8", "blur=4"},
                "low-contrast", new String[] {"gland_contrast=0.7", "gland_contrast=0.5", "gland_contrast=0.3", "gland_contrast=0.15", "gland_contrast=0.05"},
                "gamma", new String[] {"gamma=0.85", "gamma=0.7", "gamma=0.6", "gamma=0.5", "gamma=0.4"},
                "rescaled", new String[] {"scale=1.5", "scale=2,offset=50", "scale=2.5,offset=100", "scale=3,offset=150", "scale=3.5,offset=200"},
                "scanner-b", new String[] {"noise=1.5,bias=1.2,gamma=0.85,blur=1,scale=1.5", "noise=2,bias=2.3,gamma=0.7,blur=1.4,scale=2",
                        "noise=3,bias=3.5,gamma=0.6,blur=2,scale=2.5", "noise=4,bias=4.6,gamma=0.5,blur=2.8,scale=3", "noise=6,bias=5.8,gamma=0.4,blur=4,scale=3.5"});
        assertThat(ShiftLadder.presets()).containsExactlyInAnyOrderElementsOf(table.keySet());
        for (var e : table.entrySet()) {
            assertThat(ShiftLadder.at(e.getKey(), 0)).isEqualTo(Shift.NEUTRAL);
            for (int level = 1; level <= ShiftLadder.LEVELS; level++) {
                String name = e.getKey() + "@" + level;
                assertThat(Shift.preset(name).toSpec()).as(name).isEqualTo(e.getValue()[level - 1]);
                assertThat(Shift.parse(name)).isEqualTo(ShiftLadder.at(e.getKey(), level));
                assertThat(ShiftLadder.name(e.getKey(), level)).isEqualTo(name);
            }
        }
        // the bias ladder's rule: the phantom field's peak-to-trough ratio exp(2 * bias * 0.3) is about 2^level
        for (int level = 1; level <= 5; level++) {
            double ratio = Math.exp(2 * ShiftLadder.at("biased", level).bias() * AppearanceOps.BIAS_LOG_AMPLITUDE);
            assertThat(ratio / Math.pow(2, level)).as("level " + level).isBetween(0.97, 1.03);
        }
    }

    @Test
    void bareNamesKeepTheirSettingsAndSitOnTheLadder() {
        assertThat(Shift.preset("noisy")).isEqualTo(Shift.preset("noisy@2"));
        assertThat(Shift.preset("very-noisy")).isEqualTo(Shift.preset("noisy@3"));
        for (String p : List.of("biased", "blurred", "low-contrast", "gamma", "rescaled")) {
            assertThat(Shift.preset(p)).as(p).isEqualTo(Shift.preset(p + "@3"));
        }
        // scanner-b keeps its own setting: noise, bias and blur between its levels 2 and 3, gamma at level 2, scale between levels 1 and 2
        Shift b = Shift.preset("scanner-b"), l1 = Shift.preset("scanner-b@1"), l2 = Shift.preset("scanner-b@2"), l3 = Shift.preset("scanner-b@3");
        assertThat(b.toSpec()).isEqualTo("noise=2.5,bias=3,gamma=0.7,blur=1.5,scale=1.8");
        for (String k : List.of("noise", "bias", "blur")) assertThat(b.get(k)).as(k).isBetween(l2.get(k), l3.get(k));
        assertThat(b.gamma()).isEqualTo(l2.gamma());
        assertThat(b.scale()).isBetween(l1.scale(), l2.scale());
        // levels compose with single knobs, left to right, and are case- and space-tolerant
        Shift s = Shift.parse(" Noisy@5 , bias=2");
        assertThat(s.noise()).isEqualTo(6);
        assertThat(s.bias()).isEqualTo(2);
    }

    /** How far a knob is from neutral in its harmful direction. */
    private static double harm(String knob, double v) {
        return switch (knob) {
            case "gland_contrast", "gamma" -> 1 - v;
            case "scale" -> Math.abs(Math.log(v));
            case "offset" -> Math.abs(v);
            default -> v - Shift.NEUTRAL.get(knob);
        };
    }

    @Test
    void everyLadderIsMonotoneInHarmFromNeutral() {
        for (String p : ShiftLadder.presets()) {
            for (int level = 1; level <= ShiftLadder.LEVELS; level++) {
                Shift lo = ShiftLadder.at(p, level - 1), hi = ShiftLadder.at(p, level);
                boolean stricter = false;
                for (String k : Shift.knobNames()) {
                    assertThat(harm(k, hi.get(k))).as(p + "@" + level + " " + k).isGreaterThanOrEqualTo(harm(k, lo.get(k)));
                    stricter |= harm(k, hi.get(k)) > harm(k, lo.get(k));
                }
                assertThat(stricter).as(p + "@" + level + " moves some knob further than the level below").isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"noisy@0", "noisy@6", "noisy@-1", "noisy@x", "noisy@2.5", "noisy@", "@3", "nosy@3", "very-noisy@2", "neutral@1"})
    void badLevelsAndPresetsAreRefusedSayingWhatToWrite(String bad) {
        assertThatThrownBy(() -> Shift.parse(bad)).isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("1 to 5", "noisy@LEVEL"));
        assertThatThrownBy(() -> ShiftLadder.at("noisy", 6)).isInstanceOf(BadInputException.class).hasMessageContaining("1 to 5");
        assertThatThrownBy(() -> ShiftLadder.at("neutral", 1)).isInstanceOf(BadInputException.class).hasMessageContaining("scanner-b");
    }

    @Test
    void aPhantomAtLevel5IsNoisierThanAtLevel1ByTheLaddersRatio() {
        // the corners are air: Rician noise of zero signal, whose std is proportional to sigma
        double b1 = ShiftTransformsTest.backgroundStd(phantom("noisy@1")), b5 = ShiftTransformsTest.backgroundStd(phantom("noisy@5"));
        System.out.printf("phantom background std: noisy@1 %.2f, noisy@5 %.2f%n", b1, b5);
        assertThat(b5 / b1).isCloseTo(6 / 1.5, within(0.25));
        // Rayleigh std = sqrt(2 - pi/2) sigma, sigma = noise * BASE_NOISE * SIGNAL
        double rayleigh = Math.sqrt(2 - Math.PI / 2) * PhantomGenerator.BASE_NOISE * PhantomGenerator.SIGNAL;
        assertThat(b5).isCloseTo(6 * rayleigh, within(0.08 * 6 * rayleigh));
        // the same case and seed give the same image
        assertThat(phantom("noisy@5").data()).containsExactly(phantom("noisy@5").data());
    }

    @Test
    void aPhantomAtLevel5IsBlurredBiasedAndFlattenedMoreThanAtLevel1() {
        // noise off, so the blur and the bias field are seen alone
        double g0 = ShiftTransformsTest.rmsGradient(phantom("noise=0")), g1 = ShiftTransformsTest.rmsGradient(phantom("blurred@1,noise=0")),
                g5 = ShiftTransformsTest.rmsGradient(phantom("blurred@5,noise=0"));
        System.out.printf("rms gradient: neutral %.2f, blurred@1 %.2f, blurred@5 %.2f%n", g0, g1, g5);
        assertThat(g1).isLessThan(g0);
        assertThat(g5).isLessThan(0.6 * g1);

        // the phantom's field is exp(bias * 0.3 * F) with the case's own F: log(image / neutral image) = (bias - 1) * 0.3 * F
        float[] n = phantom("noise=0").data(), a = phantom("biased@1,noise=0").data(), e = phantom("biased@5,noise=0").data();
        double max1 = 0, max5 = 0;
        for (int i = 0; i < n.length; i++) {
            if (n[i] < 20) continue;
            max1 = Math.max(max1, Math.abs(Math.log(a[i] / n[i])));
            max5 = Math.max(max5, Math.abs(Math.log(e[i] / n[i])));
        }
        assertThat(max5 / max1).isCloseTo((5.8 - 1) / (1.2 - 1), within(0.01 * 24));
        assertThat(max5).isLessThanOrEqualTo((5.8 - 1) * AppearanceOps.BIAS_LOG_AMPLITUDE + 1e-4).isGreaterThan(0.5 * (5.8 - 1) * AppearanceOps.BIAS_LOG_AMPLITUDE);

        Volume mask = GEN.generate(SEED, CASE, Shift.NEUTRAL).mask();
        double c1 = PhantomStats.glandCnr(phantom("low-contrast@1"), mask), c5 = PhantomStats.glandCnr(phantom("low-contrast@5"), mask);
        System.out.printf("gland CNR: low-contrast@1 %.2f, low-contrast@5 %.2f%n", c1, c5);
        assertThat(c5).isLessThan(c1 - 0.2);
    }

    @Test
    void onAnyImageALevelIsExactlyItsKnobSetting() {
        // a real-image-like volume: a noise-free phantom, shifted by the image-level transforms as demo --data and shift do
        Volume image = phantom("noise=0");
        for (String p : List.of("noisy", "biased", "blurred", "gamma", "rescaled", "scanner-b")) {
            for (int level : List.of(1, 5)) {
                Shift s = ShiftLadder.at(p, level);
                assertThat(ShiftTransforms.apply(image, Shift.preset(p + "@" + level), 3).data()).as(p + "@" + level)
                        .containsExactly(ShiftTransforms.apply(image, Shift.parse(s.toSpec()), 3).data());
            }
        }
        // noisy@5 on an image adds Rician noise of sigma sqrt(6^2 - 1) times the reference sigma: measured in the air
        double ref = AppearanceOps.NOISE_REF * AppearanceOps.robustScale(image.data());
        double sigma = Math.sqrt(36 - 1) * ref;
        double std = ShiftTransformsTest.backgroundStd(ShiftTransforms.apply(image, Shift.preset("noisy@5"), 3));
        assertThat(ShiftTransformsTest.backgroundStd(image)).isLessThan(1e-3);
        assertThat(std).isCloseTo(Math.sqrt(2 - Math.PI / 2) * sigma, within(0.08 * sigma));
        // and with a larger gap to level 1
        double std1 = ShiftTransformsTest.backgroundStd(ShiftTransforms.apply(image, Shift.preset("noisy@1"), 3));
        assertThat(std / std1).isCloseTo(Math.sqrt(35) / Math.sqrt(1.25), within(0.1 * Math.sqrt(35 / 1.25)));
    }
}
