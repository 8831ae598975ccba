package dev.unetscope.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.ReferencePython;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class NormalizationTest {

    private static final float[] X = {0, 0, 2, 4, 6, 8}; // two zero voxels, four non-zero

    @Test
    void zscoreOverTheWholeImage() {
        // mean 20/6 = 3.3333, population variance (11.111*2 + 1.7778 + 0.4444 + 7.1111 + 21.778)/6 = 8.8889, sd 2.9814
        float[] z = Normalization.named("zscore").apply(X, 5, "x");
        double mean = 20.0 / 6, sd = Math.sqrt(8.888888888888889);
        assertThat((double) z[0]).isCloseTo((0 - mean) / sd, within(1e-6));
        assertThat((double) z[5]).isCloseTo((8 - mean) / sd, within(1e-6));
        assertThat((double) z[0]).isCloseTo(-1.118034, within(1e-6));
    }

    @Test
    void zscoreOverNonZeroVoxelsKeepsZerosAtZero() {
        // non-zero 2, 4, 6, 8: mean 5, population sd sqrt(5)
        float[] z = Normalization.named("zscore-nonzero").apply(X, 5, "x");
        assertThat(z[0]).isEqualTo(0f);
        assertThat(z[1]).isEqualTo(0f);
        assertThat((double) z[2]).isCloseTo(-3 / Math.sqrt(5), within(1e-6));
        assertThat((double) z[5]).isCloseTo(3 / Math.sqrt(5), within(1e-6));
        assertThat(Normalization.named("zscore-nonzero").padValue(z, 5)).isEqualTo(0f);
    }

    @Test
    void zscoreOtsuIsTheExperimentsOwn() {
        // the same case as PreprocessingTest: air 0 x 50, body 100..149, median 124.5, MAD 12.5
        float[] d = new float[100];
        for (int i = 0; i < 50; i++) d[50 + i] = 100 + i;
        float[] z = Normalization.DEFAULT.apply(d, 5, "x");
        assertThat((double) z[99]).isCloseTo((149 - 124.5) / (1.4826 * 12.5), within(1e-5));
        assertThat(z[0]).isEqualTo(-5f);
        assertThat(Normalization.DEFAULT.padValue(z, 5)).isEqualTo(-5f);
        assertThat(Normalization.DEFAULT.name()).isEqualTo("zscore-otsu");
    }

    @Test
    void ctClipsToThePercentilesThenUsesTheDatasetStatistics() {
        // clip to [1, 7] -> 1, 1, 2, 4, 6, 7; then (v - 3) / 2
        Normalization ct = Normalization.ct(1, 7, 3, 2);
        assertThat(ct.apply(X, 5, "x")).containsExactly(-1f, -1f, -0.5f, 0.5f, 1.5f, 2f);
        assertThat(ct.padValue(null, 5)).isEqualTo(-1f);
    }

    @Test
    void windowClipsAndScalesToZeroOne() {
        Normalization w = Normalization.window(2, 6);
        assertThat(w.apply(X, 5, "x")).containsExactly(0f, 0f, 0f, 0.5f, 1f, 1f);
        assertThat(w.padValue(null, 5)).isEqualTo(0f);
    }

    @Test
    void unknownNamesAndMissingNumbersAreRefusedInOneLine() {
        assertThatThrownBy(() -> Normalization.named("minmax")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("normalization 'minmax' is not known").hasMessageContaining("zscore-nonzero");
        assertThatThrownBy(() -> Normalization.named("ct")).isInstanceOf(BadInputException.class).hasMessageContaining("'ct' needs");
        assertThatThrownBy(() -> Normalization.window(3, 3)).isInstanceOf(BadInputException.class).hasMessageContaining("low < high");
        assertThatThrownBy(() -> Normalization.ct(0, 1, 0, 0)).isInstanceOf(BadInputException.class);
    }

    @Test
    void roundTripsThroughJsonAndAnOldPreprocessingSectionMeansTheDefault() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Normalization ct = Normalization.ct(-1000, 400, 50, 120);
        assertThat(json.readValue(json.writeValueAsString(ct), Normalization.class)).isEqualTo(ct);
        Preprocessing old = json.readValue("{\"targetSpacing\":[1,1,2],\"targetShape\":[8,8,4],\"nonFinite\":\"REFUSE\",\"clip\":5.0}",
                Preprocessing.class);
        assertThat(old.normalization()).isNull();
        assertThat(old.normalizationOrDefault()).isEqualTo(Normalization.DEFAULT);
        // a preprocessing without its own normalisation writes the same JSON as before (the evaluation's settings hash stays)
        assertThat(json.writeValueAsString(Preprocessing.of(new double[] {1, 1, 2}, new int[] {8, 8, 4}))).doesNotContain("normalization");
    }

    @Test
    void preprocessingPadsWithTheNormalisationsPadValue() {
        Volume img = new Volume(2, 1, 1, new float[] {2, 6}, new double[] {1, 1, 1}, Volume.diagonalAffine(new double[] {1, 1, 1}));
        Preprocessing p = new Preprocessing(null, new int[] {4, 1, 1}, Preprocessing.NonFinite.REFUSE, 5, Normalization.window(0, 8));
        LabelledVolume out = p.apply(new LabelledVolume("c", img, null), "c.nii");
        assertThat(out.image().data()).containsExactly(0f, 0.25f, 0.75f, 0f);
    }

    @Test
    void agreesWithNumpyOnARandomVolume(@TempDir Path dir) throws Exception {
        // a body of gamma-ish intensities inside air, with some exact zeros, 12 x 10 x 6
        Random r = new Random(7);
        float[] x = new float[12 * 10 * 6];
        for (int i = 0; i < x.length; i++) {
            boolean body = (i % 12) > 2 && (i % 12) < 10;
            x[i] = body ? (float) (300 + 80 * r.nextGaussian()) : (r.nextInt(3) == 0 ? 0f : (float) Math.abs(5 * r.nextGaussian()));
        }
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) b.putFloat(v);
        Files.write(dir.resolve("x.f32"), b.array());
        double clip = 5;
        Map<String, Normalization> cases = Map.of(
                "zscore", Normalization.named("zscore"),
                "zscore-nonzero", Normalization.named("zscore-nonzero"),
                "zscore-otsu", Normalization.named("zscore-otsu"),
                "ct", Normalization.ct(50, 420, 290, 75),
                "window", Normalization.window(100, 400));
        Files.writeString(dir.resolve("params.json"), "{\"low\": 50, \"high\": 420, \"mean\": 290, \"std\": 75, \"clip\": 5}");
        // the window case reads low/high from the same file: give it its own run
        ReferencePython.run(dir, "normalization_reference.py", dir.toString(), "numpy", 60);
        for (var e : cases.entrySet()) {
            if (e.getKey().equals("window")) continue;
            assertMatches(e.getKey(), e.getValue().apply(x, clip, "x"), read(dir.resolve(e.getKey() + ".f32")));
        }
        Files.writeString(dir.resolve("params.json"), "{\"low\": 100, \"high\": 400, \"mean\": 0, \"std\": 1, \"clip\": 5}");
        ReferencePython.run(dir, "normalization_reference.py", dir.toString(), "numpy", 60);
        assertMatches("window", cases.get("window").apply(x, clip, "x"), read(dir.resolve("window.f32")));
    }

    private static void assertMatches(String name, float[] mine, float[] ref) {
        assertThat(mine.length).isEqualTo(ref.length);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(mine[i] - ref[i]));
        assertThat(worst).as(name + ": largest difference from numpy").isLessThan(1e-5);
    }

    private static float[] read(Path f) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }
}
