package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class UNetTest {
    static final UNetConfig TINY = UNetConfig.defaults().withChannels(2, 4, 8);

    static float[] noise(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @ParameterizedTest(name = "{0} levels, strides {1}")
    @CsvSource({"3, 2-2", "4, 2-2-2", "4, 2-1-2"})
    void tapsHaveTheirNamesShapesAndStrides(int levels, String strideText) {
        int[] st = java.util.Arrays.stream(strideText.split("-")).mapToInt(Integer::parseInt).toArray();
        UNetConfig cfg = (levels == 3 ? TINY : TINY.withChannels(2, 4, 8, 16)).withStrides(st);
        // MONAI's first down layer strides: no tap at full resolution; dec k sits at enc(k-1)'s resolution
        List<String> names = levels == 3 ? List.of("enc1", "enc2", "bottleneck", "dec2")
                : List.of("enc1", "enc2", "enc3", "bottleneck", "dec3", "dec2");
        int[] strides = levels == 3 ? new int[] {2, 4, 4, 2}
                : st[1] == 2 ? new int[] {2, 4, 8, 8, 4, 2} : new int[] {2, 2, 4, 4, 2, 2};
        int[] channels = levels == 3 ? new int[] {2, 4, 8, 2} : new int[] {2, 4, 8, 16, 4, 2};
        int d = 8, h = 16, w = 16;
        try (UNet net = UNet.create(cfg, 1)) {
            assertThat(net.tapNames()).containsExactlyElementsOf(names);
            UNet.Inference inf = net.infer(noise(2, d * h * w), 1, d, h, w, new HashSet<>(names));
            assertThat(inf.taps().keySet()).containsExactlyElementsOf(names); // network order
            for (int i = 0; i < names.size(); i++) {
                SegmentationNetwork.Tap tap = net.taps().get(i);
                assertThat(tap.name()).isEqualTo(names.get(i));
                assertThat(tap.stride()).as(tap.name()).containsExactly(strides[i], strides[i], strides[i]);
                assertThat(tap.channels()).as(tap.name()).isEqualTo(channels[i]);
                UNet.TapFeatures f = inf.taps().get(names.get(i));
                int s = strides[i];
                assertThat(new int[] {f.channels(), f.d(), f.h(), f.w()})
                        .containsExactly(channels[i], d / s, h / s, w / s);
                assertThat(f.data()).hasSize(channels[i] * (d / s) * (h / s) * (w / s));
            }
            assertThat(inf.probabilities()).hasSize(d * h * w);
            for (float p : inf.probabilities()) assertThat(p).isBetween(0f, 1f);
        }
    }

    @Test
    void plainUnitsAndDropoutBuildAndDropoutIsOffInInference() {
        float[] x = noise(14, 8 * 8 * 8);
        try (UNet plain = UNet.create(TINY.withResUnits(0).withAct(UNetConfig.Activation.RELU), 1);
             UNet dropped = UNet.create(TINY.withDropout(0.5), 1)) {
            assertThat(plain.infer(x, 1, 8, 8, 8, Set.of("dec2")).taps().get("dec2").data()).hasSize(2 * 4 * 4 * 4);
            float[] once = dropped.infer(x, 1, 8, 8, 8, Set.of()).probabilities();
            assertThat(dropped.infer(x, 1, 8, 8, 8, Set.of()).probabilities()).containsExactly(once);
        }
    }

    @Test
    void unknownTapIsRefusedWithTheValidNames() {
        try (UNet net = UNet.create(TINY, 1)) {
            assertThatThrownBy(() -> net.infer(new float[8 * 8 * 8], 1, 8, 8, 8, Set.of("enc9")))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("enc9")
                    .hasMessageContaining("enc1, enc2, bottleneck, dec2");
        }
    }

    @Test
    void oddDimsArePaddedAndCroppedBack() {
        int d = 7, h = 13, w = 10;
        try (UNet net = UNet.create(TINY, 1)) {
            UNet.Inference inf = net.infer(noise(3, 2 * d * h * w), 2, d, h, w, Set.of("enc1", "bottleneck", "dec2"));
            assertThat(inf.probabilities()).hasSize(2 * d * h * w);
            UNet.TapFeatures enc1 = inf.taps().get("enc1"), bottom = inf.taps().get("bottleneck"), dec2 = inf.taps().get("dec2");
            // padded to 8 x 16 x 12 (strides 2-2 multiply to 4); taps cropped to ceil(size / stride)
            assertThat(new int[] {enc1.d(), enc1.h(), enc1.w()}).containsExactly(4, 7, 5);
            assertThat(new int[] {dec2.d(), dec2.h(), dec2.w()}).containsExactly(4, 7, 5);
            assertThat(new int[] {bottom.d(), bottom.h(), bottom.w()}).containsExactly(2, 4, 3);
            assertThat(bottom.data()).hasSize(2 * 8 * 2 * 4 * 3);
            for (float p : inf.probabilities()) assertThat(Float.isFinite(p)).isTrue();
        }
    }

    @Test
    void padAndCropAreInverse() {
        float[] v = noise(4, 2 * 3 * 5 * 7);
        float[] padded = UNet.padReplicate(v, 2, 3, 5, 7, 4, 8, 8);
        assertThat(padded).hasSize(2 * 4 * 8 * 8);
        assertThat(padded[((1 * 4 + 3) * 8 + 7) * 8 + 7]).isEqualTo(v[((1 * 3 + 2) * 5 + 4) * 7 + 6]); // far corner
        assertThat(UNet.crop(padded, 2, 4, 8, 8, 3, 5, 7)).containsExactly(v);
    }

    @Test
    void sameSeedGivesBitIdenticalParameters() {
        UNetConfig cfg = TINY.withNorm(UNetConfig.Norm.BATCH);
        try (UNet a = UNet.create(cfg, 42); UNet b = UNet.create(cfg, 42); UNet c = UNet.create(cfg, 43)) {
            var pa = a.block().getParameters();
            var pb = b.block().getParameters();
            assertThat(pa.keys()).isEqualTo(pb.keys());
            boolean differs = false;
            for (int i = 0; i < pa.size(); i++) {
                float[] va = pa.get(i).getValue().getArray().toFloatArray();
                assertThat(pb.get(i).getValue().getArray().toFloatArray()).as(pa.get(i).getKey()).containsExactly(va);
                differs |= !java.util.Arrays.equals(va, c.block().getParameters().get(i).getValue().getArray().toFloatArray());
            }
            assertThat(differs).as("another seed gives other weights").isTrue();
        }
    }

    @Test
    void saveThenLoadGivesBitIdenticalOutputs(@TempDir Path dir) {
        UNetConfig cfg = TINY.withNorm(UNetConfig.Norm.BATCH).withAct(UNetConfig.Activation.PRELU);
        float[] x = noise(9, 2 * 8 * 8 * 8);
        Path file = dir.resolve("net.params");
        UNet.Inference before;
        try (UNet net = UNet.create(cfg, 7)) {
            // a training-mode pass moves the batch-norm running statistics away from 0/1
            try (NDManager step = net.manager().newSubManager()) {
                net.block().forward(new ParameterStore(step, false),
                        new NDList(step.create(x, new Shape(2, 1, 8, 8, 8)).mul(3).add(1)), true);
            }
            before = net.infer(x, 2, 8, 8, 8, Set.of("bottleneck"));
            net.save(file);
        }
        assertThat(dir.toFile().list()).containsExactly("net.params"); // no temporary left behind
        try (UNet loaded = UNet.load(file, cfg)) {
            UNet.Inference after = loaded.infer(x, 2, 8, 8, 8, Set.of("bottleneck"));
            assertThat(after.probabilities()).containsExactly(before.probabilities());
            assertThat(after.taps().get("bottleneck").data()).containsExactly(before.taps().get("bottleneck").data());
        }
    }

    @Test
    void batchNormInferenceUsesRunningStatistics() {
        float[] a = noise(11, 8 * 8 * 8), b = noise(12, 8 * 8 * 8), c = noise(13, 8 * 8 * 8);
        try (UNet net = UNet.create(TINY.withNorm(UNetConfig.Norm.BATCH), 3)) {
            float[] ab = net.infer(concat(a, b), 2, 8, 8, 8, Set.of()).probabilities();
            float[] ac = net.infer(concat(a, c), 2, 8, 8, 8, Set.of()).probabilities();
            for (int i = 0; i < a.length; i++) assertThat(ab[i]).isCloseTo(ac[i], within(1e-6f));
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void loadingAnotherConfigsFileNamesTheMismatch(@TempDir Path dir) {
        Path file = dir.resolve("net.params");
        try (UNet net = UNet.create(TINY, 1)) {
            net.save(file);
        }
        UNetConfig other = TINY.withChannels(2, 4, 16);
        assertThatThrownBy(() -> UNet.load(file, other)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(TINY.hash())
                .hasMessageContaining(other.hash()).hasMessageContaining("channels=2-4-8")
                .hasMessageNotContaining("\n");
    }

    @Test
    void damagedFilesAreBadInput(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("net.params");
        try (UNet net = UNet.create(TINY, 1)) {
            net.save(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.params");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> UNet.load(cut, TINY)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("cut.params");
        Path junk = dir.resolve("junk.params");
        Files.writeString(junk, "hello");
        assertThatThrownBy(() -> UNet.load(junk, TINY)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a unetscope parameter file");
        assertThatThrownBy(() -> UNet.load(dir.resolve("missing.params"), TINY)).isInstanceOf(BadInputException.class);
    }

    @Test
    void aParameterFileOfAnotherArchitectureIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path ours = dir.resolve("net.params");
        try (UNet net = UNet.create(TINY, 1)) {
            net.save(ours);
        }
        // the same header a build with the old topology wrote: its architecture string, its hash
        String oldLine = "ResidualUNet/1 channels=2-4-8 resUnits=2 norm=INSTANCE act=PRELU up=SHUFFLE dropout=0.000000 inChannels=1";
        String oldHash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(oldLine.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 12);
        Path old = dir.resolve("old.params");
        try (var out = new java.io.DataOutputStream(Files.newOutputStream(old))) {
            out.writeUTF(UNet.MAGIC);
            out.writeInt(UNet.FORMAT);
            out.writeUTF(oldHash);
            out.writeUTF(oldLine);
            out.write(new byte[64]);
        }
        assertThatThrownBy(() -> UNet.load(old, TINY)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(old.toString()).hasMessageContaining("ResidualUNet/1")
                .hasMessageContaining("MonaiUNet/2").hasMessageContaining(oldHash).hasMessageNotContaining("\n");
        try (UNet loaded = UNet.load(ours, TINY)) {
            assertThat(loaded.config()).isEqualTo(TINY);
        }
    }

    @Test
    void preluHasOneSlopeAndInstanceNormNoParameters() {
        try (NDManager m = NDManager.newBaseManager()) {
            PRelu prelu = new PRelu();
            prelu.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1, 2));
            assertThat(prelu.slope().getArray().getShape()).isEqualTo(new Shape(1));
            float[] y = prelu.forward(new ParameterStore(m, false),
                    new NDList(m.create(new float[] {-4, -1, 0, 2}, new Shape(1, 2, 1, 1, 2))), false)
                    .singletonOrThrow().toFloatArray();
            assertThat(y).containsExactly(-1f, -0.25f, 0f, 2f); // slope 0.25 below zero, both channels

            InstanceNorm3d norm = new InstanceNorm3d();
            norm.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 1, 2));
            assertThat(norm.getParameters().size()).isZero();
            // channel 0: (1, 3) -> mean 2, var 1 -> (-1, 1)/sqrt(1 + 1e-5); channel 1: (10, 10) -> (0, 0)
            NDArray out = norm.forward(new ParameterStore(m, false),
                    new NDList(m.create(new float[] {1, 3, 10, 10}, new Shape(1, 2, 1, 1, 2))), false).singletonOrThrow();
            float s = (float) (1 / Math.sqrt(1 + 1e-5));
            float[] o = out.toFloatArray();
            assertThat(o[0]).isCloseTo(-s, within(1e-6f));
            assertThat(o[1]).isCloseTo(s, within(1e-6f));
            assertThat(o[2]).isCloseTo(0f, within(1e-6f));
            assertThat(o[3]).isCloseTo(0f, within(1e-6f));
        }
    }
}
