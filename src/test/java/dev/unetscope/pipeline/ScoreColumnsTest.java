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
}
