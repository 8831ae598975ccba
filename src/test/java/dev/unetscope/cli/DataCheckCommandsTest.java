package dev.unetscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.volume.DataType;
import dev.unetscope.volume.NiftiWriter;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data check in every command a dataset arrives through ({@code shift --data}, {@code demo --query},
 * {@code evaluate --query}, {@code predict --query}), and the options that accept what it refuses by
 * default ({@code --replace-non-finite}, {@code --allow-crop-loss}).
 */
class DataCheckCommandsTest {
    @TempDir
    Path tmp;

    private Path good(String name, String layout) throws Exception {
        Path root = tmp.resolve(name);
        BadDatasetTest.make(root, layout);
        return root;
    }

    private static void nan(Path image) {
        Volume v = BadDatasetTest.image(5, BadDatasetTest.NX, BadDatasetTest.NY, BadDatasetTest.NZ);
        v.data()[7] = Float.NaN;
        v.data()[8] = Float.NEGATIVE_INFINITY;
        VolumeIO.write(v, image);
    }

    private static void refused(CliRun r, String... fragments) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.oneErrorLine()).as(r.err()).isTrue();
        assertThat(r.err().strip()).startsWith("unetscope: ").contains(fragments);
    }

    @Test
    void replaceNonFiniteIsNamedByTheRefusalAndReplacesThem() throws Exception {
        Path ds = good("ds", "msd");
        nan(ds.resolve("imagesTr/case_05.nii.gz"));
        Path out = tmp.resolve("e");
        refused(CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString()), "case_05.nii.gz", "2 of 864 image voxels", "--replace-non-finite");
        assertThat(out).doesNotExist();

        CliRun ok = CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString(), "--replace-non-finite");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("1 with NaN/Inf voxels replaced");
        Experiment e = Experiment.open(out);
        Preprocessing prep = ExperimentData.preprocessing(e);
        assertThat(prep.nonFinite()).isEqualTo(Preprocessing.NonFinite.REPLACE_WITH_MIN);
        PreparedSet all = PreparedSet.load("all", ExperimentData.dataset(e), null, prep);
        assertThat(all.size()).isEqualTo(BadDatasetTest.CASES);
        for (float[] img : all.images()) for (float x : img) assertThat(Float.isFinite(x)).isTrue();
        Map<String, String> row = fingerprint(e).get("case_05");
        assertThat(row.get("non_finite")).isEqualTo("2");
    }

    @Test
    void allowCropLossKeepsTheRunAndRecordsTheLossPerCase() throws Exception {
        Path ds = good("ds", "msd");
        Path out = tmp.resolve("e");
        CliRun ok = CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString(), "--shape", "4,4,2", "--allow-crop-loss");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("crop: 3 of 6 cases lose label voxels (allowed by --allow-crop-loss)").containsPattern("case_01 +20\\.00% \\(8 of 40 voxels\\)");
        Experiment e = Experiment.open(out);
        Map<String, Map<String, String>> fp = fingerprint(e);
        assertThat(fp.get("case_01").get("crop_loss_fraction")).isEqualTo("0.2");
        assertThat(fp.get("case_00").get("crop_loss_fraction")).isEqualTo("0");
        JsonNode plan = e.section("plan");
        assertThat(plan.path("shape_from").asText()).isEqualTo("--shape");
        assertThat(plan.path("crop_loss").path("cases_above_threshold").asInt()).isEqualTo(3);
        assertThat(plan.path("crop_loss").path("max_fraction").asDouble()).isEqualTo(0.2);
        // the prepared masks are what the crop left: 32 of 40 voxels in an odd case
        PreparedSet set = PreparedSet.load("all", ExperimentData.dataset(e), List.of("case_01"), ExperimentData.preprocessing(e));
        float sum = 0;
        for (float x : set.masks().get(0)) sum += x;
        assertThat(sum).isEqualTo(32f);
    }

    @Test
    void thePlanIsPrintedAndRecordedAndExplicitOptionsOverrideIt() throws Exception {
        Path ds = good("ds", "folder");
        Path out = tmp.resolve("e");
        CliRun ok = CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("checked 6 cases (images and masks read whole): label values [0, 1], 6 with foreground")
                .contains("plan: spacing 1.5x1.5x3 mm (median of 6 cases), shape 16x16x8 (largest resampled extent 12x12x6 rounded up to a multiple of 8)")
                .contains("crop: no case loses label voxels");
        Experiment e = Experiment.open(out);
        assertThat(ExperimentData.preprocessing(e)).isEqualTo(Preprocessing.of(new double[] {1.5, 1.5, 3}, new int[] {16, 16, 8}));
        assertThat(e.section("plan").path("label_values").toString()).isEqualTo("[0,1]");
        // the rest of the data stage as before: the split and the shifted query sets are recorded
        assertThat(e.section("splits").path("file").asText()).isEqualTo("splits.json");
        assertThat(e.section("queries").has("scanner-b@2")).isTrue();

        Path out2 = tmp.resolve("e2");
        CliRun over = CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out2.toString(), "--spacing", "3,3,3", "--shape", "8,8,8");
        assertThat(over.code()).as(over.err()).isZero();
        assertThat(ExperimentData.preprocessing(Experiment.open(out2))).isEqualTo(Preprocessing.of(new double[] {3, 3, 3}, new int[] {8, 8, 8}));
        assertThat(over.out()).contains("plan: spacing 3x3x3 mm (--spacing), shape 8x8x8 (--shape)");
    }

    @Test
    void shiftChecksEveryCaseBeforeWritingAndReplacesNonFiniteWhenAsked() throws Exception {
        Path ds = good("ds", "msd");
        Path out = tmp.resolve("shifted");
        // the last case's mask on another grid: nothing at --out, no partial folder beside it
        NiftiWriter.write(Volume.zeros(BadDatasetTest.NX, BadDatasetTest.NY, BadDatasetTest.NZ - 1, BadDatasetTest.SPACING), ds.resolve("labelsTr/case_05.nii.gz"),
                DataType.UINT8);
        refused(CliRun.of("shift", "--data", ds.toString(), "--out", out.toString(), "--shift-preset", "noisy"), "labelsTr/case_05.nii.gz", "mask shape 12x12x5");
        assertThat(out).doesNotExist();
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
        }
        NiftiWriter.write(BadDatasetTest.mask(5), ds.resolve("labelsTr/case_05.nii.gz"), DataType.UINT8);

        nan(ds.resolve("imagesTr/case_05.nii.gz"));
        refused(CliRun.of("shift", "--data", ds.toString(), "--out", out.toString(), "--shift-preset", "noisy"), "imagesTr/case_05.nii.gz", "--replace-non-finite");
        assertThat(out).doesNotExist();
        CliRun ok = CliRun.of("shift", "--data", ds.toString(), "--out", out.toString(), "--shift-preset", "noisy", "--replace-non-finite");
        assertThat(ok.code()).as(ok.err()).isZero();
        Volume shifted = VolumeIO.read(out.resolve("imagesTr/case_05.nii.gz"));
        for (float x : shifted.data()) assertThat(Float.isFinite(x)).isTrue();
    }

    @Test
    void demoQueryEvaluateQueryAndPredictQueryCheckTheirSets() throws Exception {
        Path ds = good("ds", "msd");
        Path bad = good("bad", "folder");
        BadDatasetTest.truncate(bad.resolve("images/case_04.nii.gz"));

        // demo --query: refused before anything is written
        Path out = tmp.resolve("e");
        refused(CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString(), "--query", "clinic=" + bad), "images/case_04.nii.gz", "ends early");
        assertThat(out).doesNotExist();

        CliRun made = CliRun.of("demo", "--data", ds.toString(), "--data-only", "--out", out.toString());
        assertThat(made.code()).as(made.err()).isZero();
        byte[] before = Files.readAllBytes(out.resolve(Experiment.CONFIG));

        // evaluate --query: a mask off its image's grid is refused before the query set is recorded
        Path offGrid = good("offgrid", "folder");
        double[] a = Volume.diagonalAffine(BadDatasetTest.SPACING);
        a[7] = -4;
        NiftiWriter.write(BadDatasetTest.withGrid(BadDatasetTest.mask(2), BadDatasetTest.SPACING, a), offGrid.resolve("labels/case_02.nii.gz"), DataType.UINT8);
        refused(CliRun.of("evaluate", "--experiment", out.toString(), "--query", "clinic=" + offGrid), "labels/case_02.nii.gz", "mask origin (0, -4, 0)");
        assertThat(Files.readAllBytes(out.resolve(Experiment.CONFIG))).as("experiment.json unchanged").isEqualTo(before);

        // predict --query: images checked (labels never read), before the predictor is looked for
        Path blind = tmp.resolve("blind");
        Files.createDirectories(blind.resolve("images"));
        for (int i = 0; i < 3; i++) VolumeIO.write(BadDatasetTest.image(i, 12, 12, 6), blind.resolve("images/s" + i + ".nii.gz"));
        nan(blind.resolve("images/s2.nii.gz"));
        refused(CliRun.of("predict", "--experiment", out.toString(), "--checkpoint", "dice", "--query", blind.toString()), "images/s2.nii.gz",
                "NaN or infinite", "--replace-non-finite");
        CliRun replaced = CliRun.of("predict", "--experiment", out.toString(), "--checkpoint", "dice", "--query", blind.toString(), "--replace-non-finite");
        assertThat(replaced.err()).as("past the check: the missing predictor is what stops it now").contains("predictor.json");
        Path msdTest = good("msdtest", "msd");
        BadDatasetTest.json(msdTest, "{\"training\": [], \"test\": {\"image\": \"./imagesTr/case_00.nii.gz\"}}");
        refused(CliRun.of("predict", "--experiment", out.toString(), "--checkpoint", "dice", "--query", msdTest.toString()), "dataset.json", "\"test\" is an object, not a list");
        assertThat(Files.readAllBytes(out.resolve(Experiment.CONFIG))).isEqualTo(before);
    }

    private static Map<String, Map<String, String>> fingerprint(Experiment e) {
        return CsvTable.read(e.dataDir().resolve("fingerprint.csv")).records().stream().collect(Collectors.toMap(r -> r.get("case"), r -> r));
    }
}
