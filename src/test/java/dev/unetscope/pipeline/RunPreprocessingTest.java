package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.cli.Main;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.Normalization;
import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.SlidingWindowNetwork;
import dev.unetscope.model.TorchScriptFixtures;
import dev.unetscope.model.TorchScriptNetwork;
import dev.unetscope.train.BatchInference;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Each run's scans prepared as its sidecar says: the same TorchScript network imported three ways
 * (as exported, with a sidecar recording another spacing and a whole-image z-score, and with
 * {@code --patch}) goes through evaluate, analyze, features and report; IoU per case equals the
 * network run by hand on the cases prepared by hand; tables are keyed by the same case ids; a changed
 * run preprocessing is refused by the settings hash until {@code --recompute}.
 */
class RunPreprocessingTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void eachRunIsPreparedAsItsSidecarSaysThroughEveryStage() throws Exception {
        Path fx = TorchScriptFixtures.shared();
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8); // 32 x 32 x 8 at 3 x 3 x 6 mm, z-score inside the Otsu body
        ObjectNode sc = (ObjectNode) JSON.readTree(fx.resolve("monai-1.json").toFile());
        sc.put("format", "unetscope-torchscript/2");
        sc.putArray("spacing").add(4.0).add(4.0).add(6.0);
        sc.putObject("normalization").put("name", "zscore");
        Path own = tmp.resolve("own/monai-1.pt");
        Files.createDirectories(own.getParent());
        Files.copy(fx.resolve("monai-1.pt"), own);
        Files.write(own.resolveSibling("monai-1.json"), JSON.writeValueAsBytes(sc));
        String e = ex.toString();
        assertThat(Main.execute("import", "--experiment", e, "--run", "plain", "--model", fx.resolve("monai-1.pt").toString())).isZero();
        assertThat(Main.execute("import", "--experiment", e, "--run", "own", "--model", own.toString())).isZero();
        assertThat(Main.execute("import", "--experiment", e, "--run", "patched", "--model", fx.resolve("monai-1.pt").toString(), "--patch", "8,16,16")).isZero();
        assertThat(JSON.readTree(ex.resolve("checkpoints/patched/manifest.json").toFile()).get("patch").toString()).isEqualTo("[8,16,16]");

        // a labelled query set whose scans differ in size: the own run takes each whole, the others crop/pad to 32 x 32 x 8
        Path mixed = mixedSizes(Experiment.open(ex), tmp.resolve("mixed"));
        assertThat(Main.execute("evaluate", "--experiment", e, "--query", "mixed=" + mixed)).isZero();
        Experiment exp = Experiment.open(ex);
        CheckpointRef plainRef = CheckpointRef.resolve(exp, "plain:1"), ownRef = CheckpointRef.resolve(exp, "own:1"),
                patchedRef = CheckpointRef.resolve(exp, "patched:1");
        // the run's preprocessing: 4 mm in-plane, each scan whole (32 x 3 / 4 = 24 voxels here), whole-image z-score
        Preprocessing byHand = new Preprocessing(new double[] {4, 4, 6}, null, Preprocessing.NonFinite.REFUSE, 5.0,
                Normalization.named("zscore"));
        assertThat(ownRef.preprocessing(exp)).isEqualTo(byHand);
        assertThat(plainRef.preprocessing(exp)).isEqualTo(ExperimentData.preprocessing(exp));

        CsvTable cases = CsvTable.read(ex.resolve("results/cases.csv"));
        for (String q : List.of("test", "noisy", "mixed")) {
            Set<String> plainIds = ids(cases, "plain", q);
            assertThat(plainIds).isNotEmpty();
            assertThat(ids(cases, "own", q)).isEqualTo(plainIds);
            assertThat(ids(cases, "patched", q)).isEqualTo(plainIds);
        }
        ExperimentData.Query noisy = ExperimentData.queries(exp).get("noisy");
        PreparedSet ownSet = ExperimentData.query(exp, noisy, false, byHand);
        assertThat(new int[] {ownSet.w(), ownSet.h(), ownSet.d()}).containsExactly(24, 24, 8);
        PreparedSet mixedSet = ExperimentData.query(exp, ExperimentData.queries(exp).get("mixed"), false, byHand);
        assertThat(mixedSet.uniform()).isFalse();
        assertThat(mixedSet.dims(0)).containsExactly(8, 24, 21); // 28 x 3 / 4 = 21 voxels across: padded to 24 by the network, cropped back
        assertThat(mixedSet.dims(1)).containsExactly(8, 18, 24);
        try (SegmentationNetwork net = TorchScriptNetwork.load(fx.resolve("monai-1.pt"), null)) {
            assertIoUs(cases, "own", "noisy", net, ownSet);
            assertIoUs(cases, "own", "mixed", net, mixedSet);
        }
        try (SegmentationNetwork net = new SlidingWindowNetwork(TorchScriptNetwork.load(fx.resolve("monai-1.pt"), null), new int[] {8, 16, 16})) {
            assertIoUs(cases, "patched", "noisy", net, ExperimentData.query(exp, noisy, false, ExperimentData.preprocessing(exp)));
        }
        // settings: a run prepared the experiment's way keeps the experiment's hash; the others add their preprocessing or patch
        String base = SettingsHash.of(EvaluateService.settings(exp));
        Map<String, String> hashes = new LinkedHashMap<>();
        for (Map<String, String> r : cases.records()) hashes.put(r.get("run"), r.get("settings"));
        assertThat(hashes.get("plain")).isEqualTo(base);
        assertThat(hashes.get("own")).isEqualTo(SettingsHash.of(EvaluateService.settings(exp, ownRef))).isNotEqualTo(base);
        assertThat(hashes.get("patched")).isEqualTo(SettingsHash.of(EvaluateService.settings(exp, patchedRef))).isNotEqualTo(base);

        assertThat(Main.execute("analyze", "--experiment", e, "--samples-per-case", "200", "--mixture-k", "1", "--resamples", "50")).isZero();
        CsvTable layers = CsvTable.read(ex.resolve("results/layers.csv"));
        assertThat(layers.records().stream().filter(r -> r.get("run").equals("own") && r.get("query").equals("noisy")))
                .isNotEmpty().allSatisfy(r -> assertThat(Double.parseDouble(r.get("confidence"))).isFinite());
        // checkpoint agreement only between runs that predict on the same grid
        CsvTable scores = CsvTable.read(ex.resolve("results/case_scores.csv"));
        assertThat(scores.records().stream().filter(r -> r.get("run").equals("own")))
                .allSatisfy(r -> assertThat(Double.parseDouble(r.get("checkpoint_agreement"))).isNaN());
        assertThat(scores.records().stream().filter(r -> r.get("run").equals("plain")))
                .allSatisfy(r -> assertThat(Double.parseDouble(r.get("checkpoint_agreement"))).isFinite());
        assertThat(ids(scores, "own", "noisy")).isEqualTo(ids(scores, "plain", "noisy"));

        // features of the own run are sampled on its own grid (24 x 24 x 8)
        Path f = tmp.resolve("f");
        assertThat(Main.execute("features", "--experiment", e, "--checkpoint", "own:1", "--set", "noisy", "--out", f.toString())).isZero();
        int[] pos = int32Npy(f.resolve("positions.npy"));
        int maxZ = 0, maxY = 0, maxX = 0;
        for (int i = 0; i < pos.length; i += 4) {
            maxZ = Math.max(maxZ, pos[i + 1]);
            maxY = Math.max(maxY, pos[i + 2]);
            maxX = Math.max(maxX, pos[i + 3]);
        }
        assertThat(new int[] {maxZ, maxY, maxX}).containsExactly(7, 23, 23);
        assertThat(Main.execute("report", "--experiment", e)).isZero();
        try (var figs = Files.list(ex.resolve("report/figures"))) {
            List<String> names = figs.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("strip_own_1_test_")).anyMatch(n -> n.startsWith("strip_patched_1_test_"));
        }

        // shards: the same tables as one process, runs prepared three ways
        Path sh = tmp.resolve("sharded");
        copyTree(ex, sh, Set.of("results", "report", "shards"));
        for (int i = 0; i < 2; i++) {
            assertThat(Main.execute("evaluate", "--experiment", sh.toString(), "--shard", i + "/2")).isZero();
            assertThat(Main.execute("analyze", "--experiment", sh.toString(), "--shard", i + "/2", "--samples-per-case", "200", "--mixture-k", "1",
                    "--resamples", "50")).isZero();
        }
        assertThat(Main.execute("merge", "--experiment", sh.toString(), "--resamples", "50")).isZero();
        for (String table : List.of("cases.csv", "checkpoints.csv", "layers.csv", "case_scores.csv")) {
            assertThat(Files.readAllBytes(sh.resolve("results").resolve(table))).as(table).isEqualTo(Files.readAllBytes(ex.resolve("results").resolve(table)));
        }

        // a run's preprocessing changed after the fact (its sidecar in the run folder): both stages notice
        ObjectNode changed = (ObjectNode) JSON.readTree(ex.resolve("checkpoints/own/step-000001.json").toFile());
        changed.putArray("spacing").add(4.0).add(4.0).add(3.0);
        Files.write(ex.resolve("checkpoints/own/step-000001.json"), JSON.writeValueAsBytes(changed));
        byte[] before = Files.readAllBytes(ex.resolve("results/cases.csv"));
        String err = UnlabelledQueryTest.errOf(() -> Main.execute("evaluate", "--experiment", e), 2);
        assertThat(err).contains("1 checkpoint(s) were evaluated with other settings").doesNotContain("\n ");
        assertThat(Files.readAllBytes(ex.resolve("results/cases.csv"))).isEqualTo(before);
        err = UnlabelledQueryTest.errOf(() -> Main.execute("analyze", "--experiment", e), 2);
        assertThat(err).contains("1 checkpoint(s) were analysed with other settings");
        assertThat(Main.execute("evaluate", "--experiment", e, "--recompute")).isZero();
        CsvTable again = CsvTable.read(ex.resolve("results/cases.csv"));
        assertThat(again.records().stream().filter(r -> r.get("run").equals("own")).map(r -> r.get("settings")).distinct())
                .containsExactly(SettingsHash.of(EvaluateService.settings(Experiment.open(ex), CheckpointRef.resolve(Experiment.open(ex), "own:1"))))
                .doesNotContain(hashes.get("own"));
    }

    /** Two phantoms, one cropped to 28 x 32 x 8 and one to 32 x 24 x 8, as a folder layout (images/, labels/). */
    private static Path mixedSizes(Experiment exp, Path out) throws Exception {
        dev.unetscope.data.Dataset ds = dev.unetscope.data.Dataset.open(exp.root().resolve("data/phantoms"));
        int[][] shapes = {{28, 32, 8}, {32, 24, 8}};
        for (int i = 0; i < 2; i++) {
            dev.unetscope.data.Case c = ds.cases().get(i);
            dev.unetscope.data.LabelledVolume v = ds.read(c);
            String name = "m" + i + ".nii.gz";
            dev.unetscope.volume.NiftiWriter.write(dev.unetscope.data.CropPad.toShape(v.image(), shapes[i], 0f), out.resolve("images").resolve(name));
            dev.unetscope.volume.NiftiWriter.write(dev.unetscope.data.CropPad.toShape(v.mask(), shapes[i], 0f), out.resolve("labels").resolve(name));
        }
        return out;
    }

    /** Copies a folder, leaving out the top-level entries named in {@code skip}. */
    private static void copyTree(Path from, Path to, Set<String> skip) throws Exception {
        try (var w = Files.walk(from)) {
            for (Path p : w.toList()) {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 0 && skip.contains(rel.getName(0).toString())) continue;
                Path t = to.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    /** The values of an int32 .npy (format 1.0, little endian, as {@code Npy} writes it). */
    private static int[] int32Npy(Path file) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int start = 10 + Short.toUnsignedInt(b.getShort(8));
        int[] out = new int[(b.capacity() - start) / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getInt(start + 4 * i);
        return out;
    }

    private static Set<String> ids(CsvTable t, String run, String query) {
        Set<String> out = new TreeSet<>();
        for (Map<String, String> r : t.records()) if (r.get("run").equals(run) && r.get("query").equals(query)) out.add(r.get("case"));
        return out;
    }

    private static void assertIoUs(CsvTable cases, String run, String query, SegmentationNetwork net, PreparedSet set) {
        Map<String, Double> want = new LinkedHashMap<>();
        if (set.uniform()) {
            BatchInference.run(net, set, BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) ->
                    want.put(set.ids().get(i), Overlap.countsAt(p, set.masks().get(i), 0, p.length).iou()));
        } else {
            for (int i = 0; i < set.size(); i++) {
                int[] s = set.dims(i);
                float[] p = net.infer(set.images().get(i), 1, s[0], s[1], s[2], Set.of()).probabilities();
                assertThat(p).hasSize(s[0] * s[1] * s[2]);
                want.put(set.ids().get(i), Overlap.countsAt(p, set.masks().get(i), 0, p.length).iou());
            }
        }
        assertThat(want).hasSize(set.size());
        for (Map<String, String> r : cases.records()) {
            if (!r.get("run").equals(run) || !r.get("query").equals(query)) continue;
            assertThat(Double.parseDouble(r.get("iou"))).as(run + " " + r.get("case")).isCloseTo(want.get(r.get("case")), within(1e-9));
        }
    }
}
