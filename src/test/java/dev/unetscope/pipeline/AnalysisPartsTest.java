package dev.unetscope.pipeline;

import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The analysis's per-checkpoint parts ({@link ResultsStore#putAnalysis}, {@link ResultsStore#mergeAnalysis}):
 * storing a checkpoint writes only its own part, readers see the parts as rows, the tables are written
 * once, sorted by run and step whatever order the checkpoints finished in, and a kill at any moment of
 * the merge (simulated by the files it would leave) folds into the same bytes.
 */
class AnalysisPartsTest {
    @TempDir
    Path dir;

    static final AnalysisConfig CFG = AnalysisConfig.defaults();

    static CheckpointScores scores(String run, int step, double v) {
        List<SetScores> sets = new ArrayList<>();
        for (String set : List.of("test", ResultFiles.VALIDATION)) {
            List<LayerScores> layers = new ArrayList<>();
            for (String l : List.of("enc1", "dec2")) {
                Map<String, Double> byModel = new LinkedHashMap<>();
                for (String f : CFG.families()) for (int k : CFG.mixtureKs()) byModel.put(AnalysisConfig.column(f, k), v + k);
                layers.add(new LayerScores(l, "image", 8, 300, v, v + 0.5, v + 0.25, v + 8, "diag_k8", byModel, "").withJacobian(v / 3, ""));
            }
            List<CaseScores> cases = new ArrayList<>();
            for (String c : List.of("case-1", "case-2")) {
                Map<String, Double> values = new LinkedHashMap<>();
                for (Score s : Scores.at(Score.Level.CASE)) values.put(s.name(), v + c.length());
                cases.add(new CaseScores(c, values, c.equals("case-2") ? "atc_iou: why" : ""));
            }
            sets.add(new SetScores(set, layers, cases));
        }
        return new CheckpointScores(new CheckpointId(run, step), run, 0, sets);
    }

    private byte[] read(String name) throws Exception {
        return Files.readAllBytes(dir.resolve(name));
    }

    @Test
    void eachCheckpointWritesItsOwnPartAndTheTablesAreWrittenOnce() throws Exception {
        ResultsStore store = new ResultsStore(dir);
        // finished out of order, as parallel jobs do
        store.putAnalysis(scores("dice", 20, 0.5), CFG, "h");
        store.putAnalysis(scores("bce", 10, 0.25), CFG, "h");
        store.putAnalysis(scores("dice", 10, 0.125), CFG, "h");
        assertThat(dir.resolve(ResultFiles.LAYERS_CSV)).doesNotExist();
        assertThat(dir.resolve(ResultFiles.CASE_SCORES_CSV)).doesNotExist();
        assertThat(dir.resolve(ResultsStore.PARTS).resolve("dice").resolve("step-000020").resolve(ResultFiles.LAYERS_CSV)).isRegularFile();
        assertThat(store.analysed(CFG)).hasSize(6).containsEntry(new SetKey(new CheckpointId("dice", 20), "test"), "h");
        Map<SetKey, SetScores> before = store.readAnalysis(CFG);
        assertThat(before.get(new SetKey(new CheckpointId("bce", 10), "test")).layers().get(1).jacobian()).isEqualTo(0.25 / 3);

        store.mergeAnalysis(CFG);
        assertThat(dir.resolve(ResultsStore.PARTS)).doesNotExist();
        assertThat(store.readAnalysis(CFG)).isEqualTo(before);
        List<String> layers = Files.readAllLines(dir.resolve(ResultFiles.LAYERS_CSV));
        assertThat(layers).hasSize(1 + 3 * 2 * 2);
        assertThat(layers.get(1)).startsWith("bce,bce,0,10,test,enc1,image,8,300,0.25,0.75,0.5,0.08333333333333333,");
        assertThat(layers.get(5)).startsWith("dice,dice,0,10,");
        assertThat(layers.get(9)).startsWith("dice,dice,0,20,");
        List<String> cases = Files.readAllLines(dir.resolve(ResultFiles.CASE_SCORES_CSV));
        assertThat(cases).hasSize(1 + 3 * 2 * 2);
        assertThat(cases.get(2)).startsWith("bce,bce,0,10,test,case-2,6.25,").endsWith(",h,atc_iou: why");
        byte[] l = read(ResultFiles.LAYERS_CSV), c = read(ResultFiles.CASE_SCORES_CSV);

        // a checkpoint redone replaces its rows; a part never committed (no layers.csv) is not a row and is removed
        store.putAnalysis(scores("dice", 10, 0.75), CFG, "h2");
        store.putAnalysis(scores("focal", 5, 1), CFG, "h");
        Files.delete(dir.resolve(ResultsStore.PARTS).resolve("focal").resolve("step-000005").resolve(ResultFiles.LAYERS_CSV));
        assertThat(store.analysed(CFG)).hasSize(6).containsEntry(new SetKey(new CheckpointId("dice", 10), "test"), "h2");
        store.mergeAnalysis(CFG);
        assertThat(dir.resolve(ResultsStore.PARTS)).doesNotExist();
        assertThat(Files.readString(dir.resolve(ResultFiles.LAYERS_CSV))).contains("dice,dice,0,10,test,enc1,image,8,300,0.75,").doesNotContain("focal");
        assertThat(Files.readString(dir.resolve(ResultFiles.CASE_SCORES_CSV))).doesNotContain("focal");
        store.putAnalysis(scores("dice", 10, 0.125), CFG, "h");
        store.mergeAnalysis(CFG);
        assertThat(read(ResultFiles.LAYERS_CSV)).isEqualTo(l);
        assertThat(read(ResultFiles.CASE_SCORES_CSV)).isEqualTo(c);
    }

    @Test
    void aMergeKilledAnywhereFoldsIntoTheSameTables() throws Exception {
        Path ref = dir.resolve("ref");
        ResultsStore plain = new ResultsStore(ref);
        plain.putAnalysis(scores("dice", 10, 0.5), CFG, "h");
        plain.mergeAnalysis(CFG);
        plain.putAnalysis(scores("dice", 20, 0.25), CFG, "h");
        plain.mergeAnalysis(CFG);
        byte[] layers = Files.readAllBytes(ref.resolve(ResultFiles.LAYERS_CSV)), cases = Files.readAllBytes(ref.resolve(ResultFiles.CASE_SCORES_CSV));

        // killed after case_scores.csv was written, before layers.csv: the parts are all still there
        Path a = dir.resolve("a");
        ResultsStore sa = new ResultsStore(a);
        sa.putAnalysis(scores("dice", 10, 0.5), CFG, "h");
        sa.mergeAnalysis(CFG);
        sa.putAnalysis(scores("dice", 20, 0.25), CFG, "h");
        Files.copy(ref.resolve(ResultFiles.CASE_SCORES_CSV), a.resolve(ResultFiles.CASE_SCORES_CSV), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(sa.readAnalysis(CFG)).isEqualTo(plain.readAnalysis(CFG));
        sa.mergeAnalysis(CFG);
        assertThat(Files.readAllBytes(a.resolve(ResultFiles.LAYERS_CSV))).isEqualTo(layers);
        assertThat(Files.readAllBytes(a.resolve(ResultFiles.CASE_SCORES_CSV))).isEqualTo(cases);

        // killed after both tables were written, while the parts were being removed: the commit mark (layers.csv) goes first
        Path b = dir.resolve("b");
        ResultsStore sb = new ResultsStore(b);
        sb.putAnalysis(scores("dice", 10, 0.5), CFG, "h");
        sb.mergeAnalysis(CFG);
        sb.putAnalysis(scores("dice", 20, 0.25), CFG, "h");
        for (String f : List.of(ResultFiles.LAYERS_CSV, ResultFiles.CASE_SCORES_CSV)) {
            Files.copy(ref.resolve(f), b.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.delete(b.resolve(ResultsStore.PARTS).resolve("dice").resolve("step-000020").resolve(ResultFiles.LAYERS_CSV));
        assertThat(sb.readAnalysis(CFG)).isEqualTo(plain.readAnalysis(CFG));
        sb.mergeAnalysis(CFG);
        assertThat(Files.readAllBytes(b.resolve(ResultFiles.LAYERS_CSV))).isEqualTo(layers);
        assertThat(Files.readAllBytes(b.resolve(ResultFiles.CASE_SCORES_CSV))).isEqualTo(cases);
        assertThat(b.resolve(ResultsStore.PARTS)).doesNotExist();
    }
}
