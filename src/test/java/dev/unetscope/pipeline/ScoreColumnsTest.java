package dev.unetscope.pipeline;

import dev.unetscope.cli.Main;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** An experiment analysed before a score was added: refused in one line, redone with --recompute. */
class ScoreColumnsTest {
    @TempDir
    Path tmp;

    @Test
    void tablesWithoutANewScoreAreRefusedThenRecomputed() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        String[] analyze = {"analyze", "--experiment", ex.toString(), "--samples-per-case", "100", "--mixture-k", "1", "--resamples", "20"};
        assertThat(Main.execute(analyze)).isZero();
        Path file = ex.resolve("results/case_scores.csv");
        // as an older version wrote it: without the atc_iou column
        int col = CsvTable.read(file).header().indexOf("atc_iou");
        assertThat(col).isPositive();
        String old = Files.readAllLines(file).stream().map(l -> {
            String[] cells = l.split(",", -1);
            return java.util.stream.IntStream.range(0, cells.length).filter(i -> i != col).mapToObj(i -> cells[i]).collect(Collectors.joining(","));
        }).collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(file, old);
        assertThat(CsvTable.read(file).header()).doesNotContain("atc_iou");
        byte[] layers = Files.readAllBytes(ex.resolve("results/layers.csv"));

        assertThat(Main.execute(analyze)).isEqualTo(2);
        assertThat(Files.readString(file)).isEqualTo(old);
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(layers);

        String[] recompute = Arrays.copyOf(analyze, analyze.length + 1);
        recompute[analyze.length] = "--recompute";
        assertThat(Main.execute(recompute)).isZero();
        assertThat(CsvTable.read(file).header()).contains("atc_iou");
        assertThat(CsvTable.read(file).records()).allSatisfy(r -> assertThat(Double.parseDouble(r.get("atc_iou"))).isBetween(0.0, 1.0));
        assertThat(Files.readAllBytes(ex.resolve("results/layers.csv"))).isEqualTo(layers); // deterministic
    }

    /**
     * An experiment analysed before the feature distances existed (no mahalanobis_pca, knn_distance,
     * mahalanobis_pooled columns; experiment.json without their settings, so its rows carry the older
     * settings hash): the recorded settings still read, analyze is refused in one line naming
     * layers.csv (not "other settings"), nothing is touched, and --recompute fills the new columns.
     */
    @Test
    void anExperimentFromBeforeTheFeatureDistancesIsRefusedThenRecomputed() throws Exception {
        Path ex = tmp.resolve("d");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        String[] analyze = {"analyze", "--experiment", ex.toString(), "--samples-per-case", "100", "--mixture-k", "1", "--resamples", "20"};
        assertThat(Main.execute(analyze)).isZero();
        Path layersFile = ex.resolve("results/layers.csv"), casesFile = ex.resolve("results/case_scores.csv");
        CsvTable newLayers = CsvTable.read(layersFile);
        java.util.List<String> added = java.util.List.of("mahalanobis_pca", "knn_distance", "mahalanobis_pooled");
        // as the older version wrote it: its analysis section without the three settings, and that section's hash on every row
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(ex.resolve("experiment.json").toFile());
        var section = (com.fasterxml.jackson.databind.node.ObjectNode) config.get("analysis");
        section.remove(java.util.List.of("pcaComponents", "knnK", "knnReference"));
        json.writerWithDefaultPrettyPrinter().writeValue(ex.resolve("experiment.json").toFile(), config);
        String oldHash = dev.unetscope.experiment.SettingsHash.of(section);
        for (Path f : java.util.List.of(layersFile, casesFile)) without(f, added, oldHash);
        String oldLayers = Files.readString(layersFile), oldCases = Files.readString(casesFile);
        assertThat(AnalyzeService.recorded(dev.unetscope.experiment.Experiment.open(ex)).knnK()).isEqualTo(dev.unetscope.metrics.AnalysisConfig.KNN_K);

        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int code;
        try {
            code = Main.execute("analyze", "--experiment", ex.toString());
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("layers.csv").contains("another unetscope version").contains("--recompute");
        assertThat(Files.readString(layersFile)).isEqualTo(oldLayers);
        assertThat(Files.readString(casesFile)).isEqualTo(oldCases);

        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--recompute")).isZero();
        CsvTable again = CsvTable.read(layersFile);
        assertThat(again.header()).isEqualTo(newLayers.header());
        assertThat(again.records()).allSatisfy(r -> {
            for (String c : added) assertThat(Double.parseDouble(r.get(c))).as(c).isPositive();
        });
        // the same values as the first analysis: the recorded settings were read with the new ones at their defaults
        assertThat(again.rows()).isEqualTo(newLayers.rows());
    }

    /** Rewrites the table without the named columns, every {@code settings} cell replaced by {@code hash}. */
    private static void without(Path file, java.util.List<String> drop, String hash) {
        CsvTable t = CsvTable.read(file);
        java.util.List<String> header = t.header().stream().filter(c -> !drop.contains(c)).toList();
        CsvTable out = new CsvTable(header);
        for (java.util.Map<String, String> r : t.records()) out.add(header.stream().map(c -> c.equals("settings") ? hash : r.get(c)).toList());
        out.write(file);
    }
}
