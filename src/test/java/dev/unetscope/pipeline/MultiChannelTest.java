package dev.unetscope.pipeline;

import dev.unetscope.cli.CliRun;
import dev.unetscope.data.Case;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.phantom.PhantomCohort;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.TorchScriptFixtures;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.train.TinyExperiment;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model with two input channels (multi-parametric MRI: a T2 and a derived contrast): trained a few
 * steps in plain PyTorch on 2-channel phantoms and exported with the shipped exporter
 * ({@code reference/multichannel_fixtures.py}); unetscope reproduces its probabilities and taps, takes
 * a dataset in nnU-Net's raw layout ({@code imagesTr/CASE_0000.nii.gz}, {@code CASE_0001.nii.gz},
 * {@code labelsTr/CASE.nii.gz}) through demo --data-only, import, evaluate, analyze and report, and
 * refuses each bad input in one line naming the file, exit 2, nothing written.
 */
class MultiChannelTest {
    @TempDir
    static Path tmp;
    static Path fx, raw;

    @BeforeAll
    static void fixtures() throws Exception {
        fx = tmp.resolve("fx");
        AnalyzeServiceTest.python("multichannel_fixtures.py", fx.toString());
        raw = nnunetRaw(tmp.resolve("raw"), 8);
    }

    /** The phantom cohort as a 2-channel nnU-Net raw dataset: channel 0 the phantom, channel 1 a derived contrast. */
    static Path nnunetRaw(Path out, int cases) throws Exception {
        Path dec = tmp.resolve("phantoms-" + out.getFileName());
        PhantomCohort.write(dec, PhantomConfig.demo().withDims(32, 32, 8).withSpacing(3, 3, 6), 11, IntStream.range(0, cases).boxed().toList(), true);
        Files.createDirectories(out.resolve("imagesTr"));
        Files.createDirectories(out.resolve("labelsTr"));
        for (Case c : Dataset.open(dec).cases()) {
            Volume t2 = VolumeIO.read(c.image());
            float[] adc = new float[t2.size()];
            for (int i = 0; i < adc.length; i++) adc[i] = (float) (2000 - 0.8 * t2.data()[i] + 40 * Math.sin(i * 0.37));
            VolumeIO.write(t2, out.resolve("imagesTr").resolve(c.id() + "_0000.nii.gz"));
            VolumeIO.write(t2.withData(adc), out.resolve("imagesTr").resolve(c.id() + "_0001.nii.gz"));
            Files.copy(c.label(), out.resolve("labelsTr").resolve(c.id() + ".nii.gz"));
        }
        Files.writeString(out.resolve("dataset.json"), "{\"channel_names\": {\"0\": \"T2\", \"1\": \"ADC\"}, \"labels\": {\"background\": 0, \"gland\": 1},"
                + " \"numTraining\": " + cases + ", \"file_ending\": \".nii.gz\"}");
        return out;
    }

    static Path copy(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return to;
    }

    @Test
    void benchInferTimesATwoChannelModelOnTwoChannelInput() throws Exception {
        CliRun r = CliRun.of("bench", "infer", "--model", fx.resolve("step-000004.pt").toString(), "--shape", "8,40,48", "--warmup", "0", "--steps", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("input 2 x 2 x 8 x 40 x 48").containsPattern("median [0-9.]+ s/volume over 2 calls of 2 volumes");
    }

    @Test
    void importedTwoChannelModelEqualsEagerPyTorch() throws Exception {
        TorchScriptFixtures.Array x = TorchScriptFixtures.readNpy(fx.resolve("input.npy"));
        assertThat(x.shape()).containsExactly(1, 2, 8, 40, 48);
        for (String step : List.of("step-000002", "step-000004")) {
            try (TorchScriptNetwork net = TorchScriptNetwork.load(fx.resolve(step + ".pt"), null)) {
                assertThat(net.inChannels()).isEqualTo(2);
                SegmentationNetwork.Inference inf = net.infer(x.values(), 1, 8, 40, 48, Set.copyOf(net.tapNames()));
                float[] want = TorchScriptFixtures.readNpy(fx.resolve(step + ".prob.npy")).values();
                assertThat(inf.probabilities()).hasSize(want.length);
                double worstP = 0, worstTap = 0;
                for (int i = 0; i < want.length; i++) {
                    assertThat(Math.abs(inf.probabilities()[i] - want[i])).as(step + " p " + i).isLessThanOrEqualTo(1e-4f);
                    worstP = Math.max(worstP, Math.abs(inf.probabilities()[i] - want[i]));
                }
                for (String t : net.tapNames()) {
                    float[] tw = TorchScriptFixtures.readNpy(fx.resolve(step + ".tap." + t + ".npy")).values();
                    float[] got = inf.taps().get(t).data();
                    assertThat(got).hasSize(tw.length);
                    for (int i = 0; i < tw.length; i++) {
                        assertThat(Math.abs(got[i] - tw[i])).as(step + " " + t + " " + i).isLessThanOrEqualTo(1e-4f);
                        worstTap = Math.max(worstTap, Math.abs(got[i] - tw[i]));
                    }
                }
                System.out.printf(java.util.Locale.ROOT, "2-channel parity %s: largest |probability difference| %.3g, largest |tap difference| %.3g%n", step, worstP, worstTap);
            }
        }
    }

    @Test
    void aTwoChannelRunGoesThroughEveryStage() throws Exception {
        Path blind = tmp.resolve("blind");
        Files.createDirectories(blind.resolve("images"));
        for (String f : List.of("phantom_000_0000.nii.gz", "phantom_000_0001.nii.gz", "phantom_001_0000.nii.gz", "phantom_001_0001.nii.gz")) {
            Path src = raw.resolve("imagesTr").resolve(f);
            if (Files.exists(src)) Files.copy(src, blind.resolve("images").resolve(f));
        }
        if (isEmpty(blind.resolve("images"))) { // the phantoms' ids, whatever they are: the first two cases
            for (Case c : Dataset.open(raw).cases().subList(0, 2)) for (Path f : c.channels()) Files.copy(f, blind.resolve("images").resolve(f.getFileName()));
        }
        Path ex = tmp.resolve("e2e");
        CliRun demo = CliRun.of("demo", "--data", raw.toString(), "--data-only", "--out", ex.toString(), "--shape", "32,32,8", "--spacing", "3,3,6",
                "--query", "blind=" + blind);
        assertThat(demo.code()).as(demo.err()).isZero();
        // the shifted query sets are written with both channels, each shifted
        Path noisy = ex.resolve("data/query/noisy@5");
        Dataset shifted = Dataset.open(noisy);
        assertThat(shifted.inputChannels()).isEqualTo(2);
        assertThat(shifted.cases().get(0).channels().get(1).getFileName().toString()).endsWith("_0001.nii.gz");

        CliRun imp = CliRun.of("import", "--experiment", ex.toString(), "--run", "mc", "--model", fx.resolve("step-000002.pt").toString(),
                "--model", fx.resolve("step-000004.pt").toString(), "--steps", "2,4");
        assertThat(imp.code()).as(imp.err()).isZero();
        assertThat(CliRun.of("evaluate", "--experiment", ex.toString()).code()).isZero();
        CliRun an = CliRun.of("analyze", "--experiment", ex.toString(), "--samples-per-case", "200", "--resamples", "50");
        assertThat(an.code()).as(an.err()).isZero();
        CliRun rep = CliRun.of("report", "--experiment", ex.toString());
        assertThat(rep.code()).as(rep.err()).isZero();

        // new unlabelled 2-channel scans: predict reads them as channel files too
        CliRun pr = CliRun.of("predict", "--experiment", ex.toString(), "--checkpoint", "mc:4", "--query", blind.toString());
        assertThat(pr.code()).as(pr.err()).isZero();

        CsvTable cks = CsvTable.read(ex.resolve("results/checkpoints.csv"));
        assertThat(cks.records().stream().filter(r -> r.get("run").equals("mc")).map(r -> r.get("step")).distinct()).containsExactly("2", "4");
        assertThat(cks.records().stream().filter(r -> r.get("run").equals("mc")).mapToDouble(r -> Double.parseDouble(r.get("val_iou"))))
                .allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        List<Map<String, String>> mine = layers.records().stream().filter(r -> r.get("run").equals("mc") && r.get("step").equals("4")).toList();
        assertThat(mine.stream().map(r -> r.get("query")).distinct()).contains("blind", "noisy@5");
        assertThat(mine.stream().filter(r -> r.get("query").equals("noisy@5")).map(r -> r.get("layer"))).containsExactly("enc1", "enc2", "bottleneck", "dec2");
        assertThat(mine).anyMatch(r -> Double.isFinite(Double.parseDouble(r.get("confidence"))));
        assertThat(mine.stream().filter(r -> r.get("layer").equals("enc1")).map(r -> r.get("input_layer"))).allMatch(l -> l.equals("image"));
        assertThat(Files.readString(ex.resolve("report/index.html"))).contains("mc").contains("The image shown is input channel 0 of the 2 each case has");
    }

    private static boolean isEmpty(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void refused(CliRun r, Path notWritten, String... parts) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n");
        for (String p : parts) assertThat(r.err()).contains(p);
        assertThat(notWritten).doesNotExist();
    }

    @Test
    void aCaseMissingOneChannelFileIsRefused() throws Exception {
        Path bad = copy(raw, tmp.resolve("missing"));
        Case c = Dataset.open(raw).cases().get(3);
        Files.delete(bad.resolve("imagesTr").resolve(c.id() + "_0001.nii.gz"));
        Path out = tmp.resolve("missing-out");
        refused(CliRun.of("demo", "--data", bad.toString(), "--data-only", "--out", out.toString()), out, c.id() + "_0001.nii.gz", "is missing");
        // the folder layout: images/CASE_0000.nii.gz ... beside labels/CASE.nii.gz
        Path folder = tmp.resolve("folder-missing");
        Files.createDirectories(folder.resolve("images"));
        Files.createDirectories(folder.resolve("labels"));
        for (Case k : Dataset.open(raw).cases().subList(0, 2)) {
            for (Path f : k.channels()) Files.copy(f, folder.resolve("images").resolve(f.getFileName()));
            Files.copy(k.label(), folder.resolve("labels").resolve(k.id() + ".nii.gz"));
        }
        Dataset ok = Dataset.open(folder);
        assertThat(ok.inputChannels()).isEqualTo(2);
        assertThat(ok.cases()).hasSize(2);
        String second = ok.cases().get(1).id();
        Files.delete(folder.resolve("images").resolve(second + "_0001.nii.gz"));
        assertThatThrownBy(() -> Dataset.open(folder)).isInstanceOf(BadInputException.class).hasMessageContaining(second + "_0001.nii.gz").hasMessageContaining("is missing");
    }

    @Test
    void aChannelOfAnotherShapeOrSpacingIsRefused() throws Exception {
        Case c = Dataset.open(raw).cases().get(2);
        Volume t2 = VolumeIO.read(c.image());
        Path shape = copy(raw, tmp.resolve("shape"));
        VolumeIO.write(Volume.zeros(32, 32, 9, t2.spacing()), shape.resolve("imagesTr").resolve(c.id() + "_0001.nii.gz"));
        Path out = tmp.resolve("shape-out");
        refused(CliRun.of("demo", "--data", shape.toString(), "--data-only", "--out", out.toString()), out, c.id() + "_0001.nii.gz", "channel 1 shape 32x32x9 differs from channel 0's");
        Path spacing = copy(raw, tmp.resolve("spacing"));
        double[] sp = t2.spacing();
        sp[2] = 5;
        VolumeIO.write(new Volume(t2.nx(), t2.ny(), t2.nz(), t2.data(), sp, Volume.diagonalAffine(sp)), spacing.resolve("imagesTr").resolve(c.id() + "_0001.nii.gz"));
        Path out2 = tmp.resolve("spacing-out");
        refused(CliRun.of("demo", "--data", spacing.toString(), "--data-only", "--out", out2.toString()), out2, c.id() + "_0001.nii.gz", "spacing or affine differs from channel 0's");
    }

    @Test
    void aModelWhoseInputChannelsDifferFromTheDatasetsIsRefusedAtImport() throws Exception {
        Path one = tmp.resolve("one-channel");
        TinyExperiment.create(one, 5);
        refused(CliRun.of("import", "--experiment", one.toString(), "--run", "mc", "--model", fx.resolve("step-000004.pt").toString()),
                one.resolve("checkpoints/mc"), "step-000004.json", "the model takes 2 input channel(s) but the experiment's dataset");
        // a query set of one image per case for an experiment of two channels
        Path q = tmp.resolve("one-channel-query-out");
        refused(CliRun.of("demo", "--data", raw.toString(), "--data-only", "--out", q.toString(), "--query", "single=" + one.resolve("data/phantoms")),
                q, "has 1 input channel(s) but the experiment's cases have 2");
        Path two = tmp.resolve("two-channel");
        assertThat(CliRun.of("demo", "--data", raw.toString(), "--data-only", "--out", two.toString(), "--shape", "32,32,8", "--spacing", "3,3,6").code()).isZero();
        refused(CliRun.of("import", "--experiment", two.toString(), "--run", "m1", "--model", TorchScriptFixtures.shared().resolve("monai-1.pt").toString()),
                two.resolve("checkpoints/m1"), "monai-1.json", "the model takes 1 input channel(s)", "has 2 per case");
    }

    @Test
    void slidingWindowAndInputGradientsTakeEveryChannel() throws Exception {
        float[] x = TorchScriptFixtures.readNpy(fx.resolve("input.npy")).values();
        int vox = 8 * 40 * 48;
        float[] x2 = x.clone();
        for (int i = vox; i < 2 * vox; i++) x2[i] += 3f; // channel 1 only
        try (TorchScriptNetwork net = TorchScriptNetwork.load(fx.resolve("step-000004.pt"), null)) {
            SegmentationNetwork sw = new dev.unetscope.model.SlidingWindowNetwork(net, new int[] {8, 16, 16});
            float[] a = sw.infer(x, 1, 8, 40, 48, Set.of("enc1")).probabilities(), b = sw.infer(x2, 1, 8, 40, 48, Set.of()).probabilities();
            assertThat(a).hasSize(vox);
            for (float p : a) assertThat(p).isBetween(0f, 1f);
            double moved = 0;
            for (int i = 0; i < vox; i++) moved = Math.max(moved, Math.abs(a[i] - b[i]));
            assertThat(moved).as("channel 1 reaches every window").isGreaterThan(1e-3);
            float[] cot = new float[8 * 4 * 20 * 24];
            java.util.Arrays.fill(cot, 1f);
            float[] g = net.tapInputGradient(x, 1, 8, 40, 48, "enc1", cot);
            assertThat(g).hasSize(2 * vox);
            double g0 = 0, g1 = 0;
            for (int i = 0; i < vox; i++) {
                g0 += g[i] * g[i];
                g1 += g[vox + i] * g[vox + i];
            }
            assertThat(g0).isGreaterThan(0);
            assertThat(g1).as("the input gradient covers channel 1").isGreaterThan(0);
        }
    }

    @Test
    void aSidecarsNormalisationPerChannelIsHonouredAndOneOfAnotherLengthRefused() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var sc = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(fx.resolve("step-000004.json").toFile());
        var list = sc.putArray("normalization");
        list.addObject().put("name", "zscore-nonzero");
        list.addObject().put("name", "window").put("low", 0.0).put("high", 3000.0);
        Path dir = Files.createDirectories(tmp.resolve("per-channel"));
        Files.copy(fx.resolve("step-000004.pt"), dir.resolve("m.pt"));
        json.writeValue(dir.resolve("m.json").toFile(), sc);
        var read = dev.unetscope.model.TorchScriptSidecar.read(dir.resolve("m.json"));
        var prep = read.preprocessing(dev.unetscope.data.Preprocessing.of(new double[] {3, 3, 6}, new int[] {32, 32, 8}));
        assertThat(prep.normalizationOf(0).name()).isEqualTo("zscore-nonzero");
        assertThat(prep.normalizationOf(1)).isEqualTo(new dev.unetscope.data.Normalization("window", 0.0, 3000.0, null, null));
        list.addObject().put("name", "zscore");
        json.writeValue(dir.resolve("m.json").toFile(), sc);
        Path ex = tmp.resolve("per-channel-ex");
        refused(CliRun.of("import", "--experiment", ex.toString(), "--run", "pc", "--model", dir.resolve("m.pt").toString()), ex.resolve("checkpoints/pc"),
                "m.json", "normalization lists 3 schemes for 2 input channel(s)");
    }

    @Test
    void theExporterRefusesANormalisationListOfAnotherLengthAndWritesNothing() throws Exception {
        Path out = tmp.resolve("refused-export.pt");
        String script = "import sys; sys.path.insert(0, 'python')\n"
                + "import torch\nfrom unetscope_export import export, ExportError, UNet\n"
                + "net = UNet(2, 1, channels=(8, 16, 32), strides=(2, 2), num_res_units=1)\n"
                + "try:\n    export(net, torch.zeros(1, 2, 8, 32, 32), 'auto', sys.argv[1], normalization=['zscore', 'zscore', 'zscore'])\n"
                + "except ExportError as e:\n    print('refused:', e)\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, out.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(said).isZero();
        assertThat(said).isEqualTo("refused: normalization lists 3 schemes for 2 input channels (give one per channel, or one for all)");
        assertThat(out).doesNotExist();
        assertThat(tmp.resolve("refused-export.json")).doesNotExist();
    }
}
