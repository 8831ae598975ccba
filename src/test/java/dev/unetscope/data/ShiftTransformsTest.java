package dev.unetscope.data;

import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.PhantomGenerator;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ShiftTransformsTest {
    private static final Volume IMAGE = new PhantomGenerator(PhantomConfig.demo()).generate(11, 2).image();

    static double mean(float[] d) { double s = 0; for (float v : d) s += v; return s / d.length; }

    /** Std of the 8x8 in-plane corners of every slice: air, i.e. pure noise. */
    static double backgroundStd(Volume v) {
        double s = 0, s2 = 0; long n = 0;
        for (int z = 0; z < v.nz(); z++) for (int y = 0; y < 6; y++) for (int x = 0; x < 6; x++) {
            double a = v.get(x, y, z); s += a; s2 += a * a; n++;
        }
        double m = s / n;
        return Math.sqrt(s2 / n - m * m);
    }

    static double meanGradient(Volume v) {
        double s = 0; long n = 0;
        for (int z = 0; z < v.nz(); z++) for (int y = 0; y < v.ny() - 1; y++) for (int x = 0; x < v.nx() - 1; x++) {
            double gx = v.get(x + 1, y, z) - v.get(x, y, z), gy = v.get(x, y + 1, z) - v.get(x, y, z);
            s += Math.sqrt(gx * gx + gy * gy); n++;
        }
        return s / n;
    }

    static double rmsGradient(Volume v) {
        double s = 0; long n = 0;
        for (int z = 0; z < v.nz(); z++) for (int y = 0; y < v.ny() - 1; y++) for (int x = 0; x < v.nx() - 1; x++) {
            double gx = v.get(x + 1, y, z) - v.get(x, y, z), gy = v.get(x, y + 1, z) - v.get(x, y, z);
            s += gx * gx + gy * gy; n++;
        }
        return Math.sqrt(s / n);
    }

    static double pct(float[] d, double p) { float[] c = d.clone(); Arrays.sort(c); return c[(int) (p / 100 * (c.length - 1))]; }

    @Test
    void neutralShiftIsIdentity() {
        float[] before = IMAGE.data().clone();
        assertThat(ShiftTransforms.apply(IMAGE, Shift.NEUTRAL, 5).data()).containsExactly(before);
        // gland_contrast is phantom-only: ignored on images
        assertThat(ShiftTransforms.apply(IMAGE, Shift.parse("gland_contrast=0.3"), 5).data()).containsExactly(before);
    }

    @Test
    void pureDeterministicAndSeeded() {
        float[] before = IMAGE.data().clone();
        Shift s = Shift.preset("scanner-b");
        Volume a = ShiftTransforms.apply(IMAGE, s, 5), b = ShiftTransforms.apply(IMAGE, s, 5), c = ShiftTransforms.apply(IMAGE, s, 6);
        assertThat(IMAGE.data()).containsExactly(before);
        assertThat(a.data()).containsExactly(b.data());
        assertThat(Arrays.equals(a.data(), c.data())).isFalse();
        assertThat(a.sameGrid(IMAGE, 1e-9)).isTrue();
    }

    @Test
    void noiseRaisesBackgroundStd() {
        double before = backgroundStd(IMAGE);
        double after = backgroundStd(ShiftTransforms.apply(IMAGE, Shift.parse("noise=3"), 1));
        System.out.printf("background std %.2f -> %.2f under noise=3%n", before, after);
        assertThat(after).isGreaterThan(2 * before);
        // noise <= 1 cannot remove noise from a real image: it adds nothing
        assertThat(ShiftTransforms.apply(IMAGE, Shift.parse("noise=0.5"), 1).data()).containsExactly(IMAGE.data());
    }

    @Test
    void scaleMultipliesMeanAndOffsetAdds() {
        double m = mean(IMAGE.data());
        assertThat(mean(ShiftTransforms.apply(IMAGE, Shift.parse("scale=2.5"), 1).data())).isCloseTo(2.5 * m, within(1e-3 * m));
        assertThat(mean(ShiftTransforms.apply(IMAGE, Shift.parse("offset=40"), 1).data())).isCloseTo(m + 40, within(1e-3 * m));
    }

    @Test
    void blurLowersGradientMagnitude() {
        double g0 = meanGradient(IMAGE), g1 = meanGradient(ShiftTransforms.apply(IMAGE, Shift.parse("blur=1.5"), 1));
        System.out.printf("mean in-plane gradient %.2f -> %.2f under blur=1.5%n", g0, g1);
        assertThat(g1).isLessThan(0.7 * g0);
    }

    @Test
    void gammaChangesContrast() {
        double r0 = pct(IMAGE.data(), 50) / pct(IMAGE.data(), 95);
        Volume lo = ShiftTransforms.apply(IMAGE, Shift.parse("gamma=0.5"), 1), hi = ShiftTransforms.apply(IMAGE, Shift.parse("gamma=2"), 1);
        double rLo = pct(lo.data(), 50) / pct(lo.data(), 95), rHi = pct(hi.data(), 50) / pct(hi.data(), 95);
        System.out.printf("median/p95 %.3f; gamma=0.5 %.3f; gamma=2 %.3f%n", r0, rLo, rHi);
        assertThat(rLo).isGreaterThan(r0 + 0.05);
        assertThat(rHi).isLessThan(r0 - 0.05);
        // the robust top of the range is kept
        assertThat(pct(lo.data(), 99)).isCloseTo(pct(IMAGE.data(), 99), within(1.0));
    }

    @Test
    void biasIsASmoothNonConstantMultiplicativeField() {
        Volume b = ShiftTransforms.apply(IMAGE, Shift.parse("bias=3"), 1);
        float[] a = IMAGE.data(), c = b.data();
        double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < a.length; i++) {
            if (a[i] < 50) continue;
            double r = c[i] / a[i];
            min = Math.min(min, r); max = Math.max(max, r);
        }
        System.out.printf("bias=3 gain range %.3f .. %.3f%n", min, max);
        assertThat(max / min).isGreaterThan(1.5);
        // smooth: neighbouring gains differ by little
        double worst = 0;
        for (int i = 0; i + 1 < a.length; i++) {
            if (a[i] < 50 || a[i + 1] < 50 || (i + 1) % IMAGE.nx() == 0) continue;
            worst = Math.max(worst, Math.abs(c[i] / a[i] - c[i + 1] / a[i + 1]));
        }
        assertThat(worst).isLessThan(0.05);
    }
}
